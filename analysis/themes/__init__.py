"""Comment themes about topics, not tone: known concerns first, then discovered themes.

One job per module:

- ``lexicon``: which words carry topic (no tone, stop words or negation);
- ``codebook``: the editable YAML of known concerns (``surveys/codebook_ai_change.yaml``);
- ``grouping``: theme membership from comment vectors (guided, discovered, sub-themes,
  secondary theme), in exact arithmetic;
- ``lexical``: the fallback engine's word vectors learned from the comments;
- ``describe``: keyphrase labels, top terms, central and different quotes;
- ``model``: the ``ThemeModel`` estimator;
- ``summary``: theme tables and group shares with small groups hidden.
"""

from analysis.themes.codebook import (
    Codebook,
    Concern,
    ThemeProject,
    default_codebook,
    dump_codebook,
    dump_project,
    load_codebook,
    load_project,
)
from analysis.themes.lexicon import SENTIMENT_WORDS, STOPWORDS, topical_tokens
from analysis.themes.model import ENGINES, SEMANTIC_SAMPLE, ThemeModel
from analysis.themes.summary import (
    merge_themes,
    resolved_merges,
    theme_group_shares,
    theme_table,
)

__all__ = [
    "ENGINES",
    "SEMANTIC_SAMPLE",
    "SENTIMENT_WORDS",
    "STOPWORDS",
    "Codebook",
    "Concern",
    "ThemeModel",
    "ThemeProject",
    "default_codebook",
    "dump_codebook",
    "dump_project",
    "load_codebook",
    "load_project",
    "merge_themes",
    "resolved_merges",
    "theme_group_shares",
    "theme_table",
    "topical_tokens",
]
