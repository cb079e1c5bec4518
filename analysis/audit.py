"""Moved to :mod:`analysis.shared.audit` (shared mode has its own package); this name stays so
existing imports keep working. Both names are the same module object."""

import sys

from analysis.shared import audit as _module

sys.modules[__name__] = _module
