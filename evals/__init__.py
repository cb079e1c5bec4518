"""Accuracy evaluations (`make eval`): each module's run() returns rows of measured figures vs goals."""
