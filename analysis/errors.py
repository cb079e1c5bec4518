"""One base class for every error a user can cause, so the shell catches one thing.

Every exception ChangeRadar raises on purpose for bad input (an unreadable upload, a mapping
with mistakes, a refused grouping, a policy file that does not validate) derives from
:class:`ChangeRadarError`. ``str(e)`` is the user-facing message: one or more complete
sentences saying what is wrong and what to do. Anything else that escapes is a bug, and the
app shows a generic message for it (``client.showErrorDetails`` is off) rather than a traceback.

It derives from ``ValueError`` because that is what the errors were before, and callers that
still catch ``ValueError`` keep working.
"""

from __future__ import annotations

__all__ = ["ChangeRadarError"]


class ChangeRadarError(ValueError):
    """Bad input a user can fix; ``str(e)`` says what is wrong and what to do."""

    @property
    def user_message(self) -> str:
        """The message to show the user (the same as ``str(e)``)."""
        return str(self)
