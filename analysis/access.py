"""Moved to :mod:`analysis.shared.access` (shared mode has its own package); this name stays so
existing imports keep working. Both names are the same module object."""

import sys

from analysis.shared import access as _module

sys.modules[__name__] = _module
