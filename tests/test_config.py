"""Security defaults: usage stats off, error details hidden, no HTML rendering of user text."""

from __future__ import annotations

import os
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


def test_arrow_buffers_come_from_malloc_unless_the_user_chose_a_pool():
    """``import analysis`` sets Arrow's default pool to the C library's malloc (fewer page
    faults between a view's steps; malloc_trim returns its pages), and leaves a pool named in
    ARROW_DEFAULT_MEMORY_POOL alone."""
    import subprocess
    import sys

    code = "import analysis, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "system", out.stderr
    env["ARROW_DEFAULT_MEMORY_POOL"] = "jemalloc"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "jemalloc", out.stderr
