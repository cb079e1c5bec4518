"""Presentation layer: chart builders shared by the app and the exported reports, and app state."""
