"""Nothing on disk: an upload and everything derived from it live only in memory.

A child process runs a whole app session (AppTest: first visit with the sample, upload of an
export with a distinctive team name, every page) and the analysis core directly (load,
prepare, analyze, every render writer, in memory). It runs with its own empty TMPDIR and HOME
and no bytecode writing, and records every file Python opens for writing, every directory it
makes and every rename (``sys.addaudithook``). The test then checks three things: no
write was recorded outside the null device, TMPDIR and HOME are still empty, and the working
tree has no new or changed file. Downloads and "Save mapping" are browser downloads
(``st.download_button`` serves bytes from memory); they are not clicked here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, sys, traceback
writes = []

def where():
    frames = traceback.extract_stack()[:-2]
    mine = [f for f in frames if "/site-packages/" in f.filename or "/work/" in f.filename]
    return " <- ".join(f"{f.filename.rsplit('/', 2)[-2:]}:{f.lineno}" for f in mine[-4:][::-1])

def hook(event, args):
    if event == "open":
        path, mode, flags = args
        if isinstance(path, int):
            return
        m = mode or ""
        if any(c in m for c in "wax+") or (flags or 0) & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            writes.append(("open", str(path), where()))
    elif event in ("os.mkdir", "os.rename", "os.replace", "shutil.copyfile", "os.symlink"):
        writes.append((event, str(args[0]), where()))

sys.addaudithook(hook)

from streamlit.testing.v1 import AppTest
from sample_data.generate import generate_responses, qualtrics_csv

frame = generate_responses(n=260, seed=5)
frame.loc[frame["team"] == "Sales", "team"] = "Nodisk Unit"
data = qualtrics_csv(frame)

at = AppTest.from_file("app.py", default_timeout=180)
at.run()
at.switch_page("app_pages/load.py").run()
at.file_uploader[0].set_value(("nodisk.csv", data, "text/csv")).run()
problems = [str(e.value) for e in at.exception]
assert "nodisk.csv" in [t.value for t in at.sidebar.text], "the upload was not loaded"
for page in ("overview", "teams", "comments", "hotspots", "downloads"):
    at.switch_page(f"app_pages/{page}.py").run()
    problems += [str(e.value) for e in at.exception]

from analysis import pipeline
from render.csv import comments_csv, group_csv
from render.html import team_html
from render.xlsx import team_workbook
export, colmap = pipeline.load(data, "nodisk.csv")
prep = pipeline.prepare(export, colmap, source_name="nodisk.csv")
res = pipeline.analyze(prep, by=["team"])
outputs = [
    group_csv(res),
    comments_csv(res),
    team_workbook(res, teams=["Nodisk Unit"]),
    team_html(res, "Nodisk Unit"),
    colmap.to_yaml(),
]
assert all(len(o) for o in outputs)
print(json.dumps({"writes": writes, "problems": problems}))
"""

IGNORED_TREE = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache"}


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under the working tree (minus tool caches): path -> (mtime_ns, size)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in IGNORED_TREE]
        for name in filenames:
            path = Path(dirpath) / name
            try:
                st = path.stat()
            except OSError:
                continue
            out[str(path.relative_to(root))] = (st.st_mtime_ns, st.st_size)
    return out


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _allowed(write: list[str], tmp: Path) -> bool:
    """Writes that are not the session's: the null device; AppTest's own scratch directory
    (the test harness, made when streamlit.testing is imported); and py3langid unpacking its
    language model into an anonymous O_TMPFILE (opened on the directory itself, so the file
    has no name, is never visible and vanishes on close; it holds the model, no user data)."""
    _, path, where = write
    if path in ("/dev/null", os.devnull):
        return True
    if "app_test.py" in where:
        return True
    return path == str(tmp) and "modelio.py" in where


def test_a_full_session_writes_nothing_to_disk(tmp_path: Path) -> None:
    tmp, home = tmp_path / "tmp", tmp_path / "home"
    tmp.mkdir()
    home.mkdir()
    before = _tree(ROOT)
    env = {
        **os.environ,
        "TMPDIR": str(tmp),
        "TEMP": str(tmp),
        "TMP": str(tmp),
        "HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["problems"] == [], report["problems"]
    writes = [w for w in report["writes"] if not _allowed(w, tmp)]
    assert writes == [], f"files written during the session: {writes[:10]}"
    # AppTest's scratch directory (empty, removed at exit) is the only entry allowed
    leftovers = [f for f in _files(tmp) if not Path(f).name.startswith("tmp") or "/" in f]
    assert leftovers == [], f"the temporary directory must stay empty: {leftovers}"
    assert _files(home) == [], "nothing may be written to the home directory"
    after = _tree(ROOT)
    created = sorted(set(after) - set(before))
    changed = sorted(p for p in set(after) & set(before) if after[p] != before[p])
    # other engineers may be editing source files in this shared checkout meanwhile; a
    # session's own writes would be data files or new files, never existing .py/.md edits
    changed = [p for p in changed if not p.endswith((".py", ".md", ".yaml", ".toml", ".tsv"))]
    created = [p for p in created if not p.endswith((".py", ".md"))]
    assert created == [] and changed == [], (created, changed)
