"""ChangeRadar's pure analysis core: survey exports in, tidy tables and small dataclasses out."""
