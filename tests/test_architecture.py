"""Standing rules: the analysis core never imports Streamlit, and the code is lint-clean."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_analysis_core_never_imports_streamlit():
    offenders = [p.name for p in (ROOT / "analysis").rglob("*.py") if "streamlit" in _imports(p)]
    assert offenders == []


def test_no_catch_all_module_names():
    banned = {"utils.py", "helpers.py", "misc.py", "common.py"}
    found = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py") if p.name in banned]
    assert [f for f in found if not f.startswith(".venv")] == []


def _ruff() -> list[str]:
    exe = Path(sys.executable).with_name("ruff")
    return [str(exe)] if exe.exists() else [shutil.which("ruff") or "ruff"]


def test_ruff_lint_is_clean():
    proc = subprocess.run([*_ruff(), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format_is_clean():
    proc = subprocess.run(
        [*_ruff(), "format", "--check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
