"""Security defaults: usage stats off, error details hidden, no HTML rendering of user text."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_streamlit_config_is_private_by_default():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["client"]["showErrorDetails"] == "none"
    assert 1 <= cfg["server"]["maxUploadSize"] <= 200
    assert cfg["server"]["enableXsrfProtection"] is True
    # the data grid's own CSV download would bypass render.csv's formula-injection escaping
    assert cfg["client"]["disableDataExport"] is True


def test_app_code_never_renders_html():
    app_files = [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    offenders = [
        str(p.relative_to(ROOT))
        for p in app_files
        if re.search(r"unsafe_allow_html\s*=\s*True|st\.html\(|components\.html\(", p.read_text())
    ]
    assert offenders == []
