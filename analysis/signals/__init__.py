"""Sentence-level tags for what change leads act on: AI mentions, fear of displacement, trust or
distrust of AI output, training requests and change fatigue (communication complaints
included).

Two engines, both driven by ``analysis/data/signals.yaml`` so the vocabulary can be read and
extended without touching code, and an optional model. Every hit keeps its trigger phrase and a
confidence, so a user sees why a comment was tagged. One job per module:

* ``tokens``: sentences and tokens.
* ``patterns``: the vocabulary file, read and checked once; regular-expression patterns for
  ai_mention, ai_distrust, ai_trust and change_fatigue; plain word lists.
* ``lexicon``: the concept phrases of the composed signals, compiled into one word trie.
* ``scope``: negation, hypotheticals, resolved and outsider fears, the evidence phrase.
* ``composed``: displacement_fear and training_request as tables of named rules.
* ``rules``: the rule engine on one text.
* ``model``: the embedding logistic model (hybrid engine) for the sentences the rules missed.
* ``tagging``: ``tag_texts`` and ``tag_sentences``.

No comment text is kept in module-level state: caches live for one call.
"""

from analysis.signals.lexicon import Concept, Lexicon, inflect, lexicon
from analysis.signals.model import MODEL_FILE, MODEL_MAX_SENTENCES, MODEL_SIGNALS, model_info
from analysis.signals.patterns import (
    COMPOSED,
    DATA_FILE,
    SIGNALS,
    Config,
    Pattern,
    Words,
    config,
    required_literals,
    words,
)
from analysis.signals.scope import HYPOTHETICAL_PENALTY, NEGATION_WINDOW_WORDS
from analysis.signals.tagging import ENGINES, tag_sentences, tag_texts
from analysis.signals.tokens import split_sentences, tokenize

__all__ = [
    "COMPOSED",
    "DATA_FILE",
    "ENGINES",
    "HYPOTHETICAL_PENALTY",
    "MODEL_FILE",
    "MODEL_MAX_SENTENCES",
    "MODEL_SIGNALS",
    "NEGATION_WINDOW_WORDS",
    "SIGNALS",
    "Concept",
    "Config",
    "Lexicon",
    "Pattern",
    "Words",
    "config",
    "inflect",
    "lexicon",
    "model_info",
    "required_literals",
    "split_sentences",
    "tag_sentences",
    "tag_texts",
    "tokenize",
    "words",
]
