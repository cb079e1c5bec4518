"""Comment tags for what change leads act on: AI mentions, fear of displacement, trust or
distrust of AI output, training requests, change fatigue and requests to leaders for clearer
communication (``leadership_communication_request``).

Two engines, both driven by ``analysis/data/signals.yaml`` so the vocabulary can be read and
extended without touching code, and an optional model. Every hit keeps its trigger phrase and a
confidence, so a user sees why a comment was tagged. One job per module:

* ``tokens``: sentences and tokens.
* ``patterns``: the vocabulary file, read and checked once; regular-expression patterns for
  ai_mention, ai_distrust, ai_trust, change_fatigue and leadership_communication_request;
  plain word lists.
* ``lexicon``: the concept phrases of the composed signals, compiled into one word trie.
* ``scope``: negation, hypotheticals, resolved and outsider fears, the evidence phrase.
* ``composed``: displacement_fear and training_request as tables of named rules.
* ``rules``: the rule engine on one text.
* ``model``: the calibrated classifiers (hybrid engine): embeddings, static word-piece vectors
  and rule hits, fitted on
  real labelled comments; they decide every signal but ``ai_mention``.
* ``tagging``: ``tag_texts`` and ``tag_sentences``.

No comment text is kept in module-level state: caches live for one call.
"""

from analysis.signals.lexicon import Concept, Lexicon, inflect, lexicon
from analysis.signals.model import (
    MODEL_FILE,
    MODEL_SIGNALS,
    RULE_FEATURES,
    ModelFileError,
    model_info,
)
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
from analysis.signals.tagging import (
    ENGINES,
    PHRASE_CHARS,
    about_ai,
    about_learning,
    about_wishes,
    about_worries,
    shown_phrases,
    tag_sentences,
    tag_texts,
)
from analysis.signals.tokens import split_sentences, tokenize

__all__ = [
    "COMPOSED",
    "DATA_FILE",
    "ENGINES",
    "HYPOTHETICAL_PENALTY",
    "MODEL_FILE",
    "MODEL_SIGNALS",
    "NEGATION_WINDOW_WORDS",
    "PHRASE_CHARS",
    "RULE_FEATURES",
    "SIGNALS",
    "Concept",
    "Config",
    "Lexicon",
    "ModelFileError",
    "Pattern",
    "Words",
    "about_ai",
    "about_learning",
    "about_wishes",
    "about_worries",
    "config",
    "inflect",
    "lexicon",
    "model_info",
    "required_literals",
    "shown_phrases",
    "split_sentences",
    "tag_sentences",
    "tag_texts",
    "tokenize",
    "words",
]
