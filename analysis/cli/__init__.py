"""Command line: ``python -m analysis inspect|score|comments|hotspots|sentiment ...``.

Every command reads the file through the same :func:`analysis.pipeline.analyze` path as the
app. Unusable input exits with code 2 and one ``error:`` line on stderr, never a traceback.

One module per subcommand group (``scores``, ``comments``, ``report``, ``waves``; ``pilot`` in
:mod:`analysis.pilot.cli`), the shared plumbing in ``plumbing`` and the parser in ``parser``.
The names other code uses stay importable from ``analysis.cli``.
"""

from __future__ import annotations

from analysis.cli.comments import cmd_comments, cmd_sentiment
from analysis.cli.parser import _add_thresholds, _parser, main
from analysis.cli.plumbing import (
    EXIT_FAIL,
    EXIT_INPUT,
    EXIT_OK,
    UsageError,
    _by,
    _default,
    _dump,
    _fmt,
    _jsonable,
    _load,
    _policy,
    _prepare,
    _read_bytes,
    _read_text,
    _roster,
    _say_limits,
    _survey,
    _table,
    limits_of,
    records,
)
from analysis.cli.report import cmd_report
from analysis.cli.scores import (
    _print_groups,
    _score_groups,
    _score_json,
    cmd_hotspots,
    cmd_inspect,
    cmd_score,
)
from analysis.cli.waves import cmd_compare

__all__ = [
    "EXIT_FAIL",
    "EXIT_INPUT",
    "EXIT_OK",
    "UsageError",
    "_add_thresholds",
    "_by",
    "_default",
    "_dump",
    "_fmt",
    "_jsonable",
    "_load",
    "_parser",
    "_policy",
    "_prepare",
    "_print_groups",
    "_read_bytes",
    "_read_text",
    "_roster",
    "_say_limits",
    "_score_groups",
    "_score_json",
    "_survey",
    "_table",
    "cmd_comments",
    "cmd_compare",
    "cmd_hotspots",
    "cmd_inspect",
    "cmd_report",
    "cmd_score",
    "cmd_sentiment",
    "limits_of",
    "main",
    "records",
]
