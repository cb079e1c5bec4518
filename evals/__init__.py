"""Accuracy evaluations (`make eval`): each module's run() returns measured figures vs goals."""
