"""Turning protected Results into charts and files (XLSX, CSV, HTML, team packs).

Depends on :mod:`analysis` (the pure core), never on the Streamlit shell (``ui``, ``app_pages``).
"""
