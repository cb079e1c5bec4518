"""Real-browser journeys (Playwright + Debian chromium); see conftest.py."""
