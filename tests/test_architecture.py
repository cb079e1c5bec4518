"""Standing rules: the layers import one way, no survey content in module-level state, modules
and functions stay small (apart from the exceptions docs/architecture.md justifies), and the
code is lint-clean.

Layers (docs/architecture.md): ``analysis`` (pure core) <- ``render`` (charts and files) <- ``ui``
and ``app_pages`` (the Streamlit shell). The CLI shell, the package ``analysis/cli/``
(with ``analysis/__main__.py``), is the one place under ``analysis/`` that may import ``render``.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    """Top-level packages a module imports, anywhere in it (function-level imports included,
    and ``importlib.import_module("...")`` with a literal name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's own package
                package = path.relative_to(ROOT).parts[0]
                names.add(package)
            elif node.module:
                names.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value.split(".")[0])
    return names


SHELL = {"ui", "app_pages", "streamlit"}
#: The CLI is a shell too: it may write files through render (and nothing else may).
CLI_SHELL = {
    "analysis/__main__.py",
    *(p.relative_to(ROOT).as_posix() for p in (ROOT / "analysis" / "cli").glob("*.py")),
}


def _offenders(folder: str, banned: set[str], exempt: dict[str, set[str]]) -> dict[str, set]:
    out = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        bad = _imports(path) & (banned - exempt.get(rel, set()))
        if bad:
            out[rel] = bad
    return out


def test_analysis_core_never_imports_render_or_the_shell():
    cli_may = {rel: {"render"} for rel in CLI_SHELL}
    assert _offenders("analysis", SHELL | {"render"}, cli_may) == {}


def test_render_never_imports_the_shell():
    assert _offenders("render", SHELL, {}) == {}


def test_the_import_check_sees_function_level_imports():
    """The check above is only as good as _imports: it must see what the CLI imports lazily."""
    assert "render" in _imports(ROOT / "analysis" / "cli" / "report.py")
    assert {"analysis", "render"} <= _imports(ROOT / "render" / "packs.py")


# --------------------------------------------------------------------------- module-level state

_MUTATORS = {
    "append",
    "extend",
    "insert",
    "update",
    "setdefault",
    "pop",
    "popitem",
    "clear",
    "add",
    "discard",
    "remove",
    "__setitem__",
}
_CONTAINER_CALLS = {"list", "dict", "set", "defaultdict", "OrderedDict", "Counter", "deque"}
_MEMO = {"cache", "lru_cache"}

#: Module-level state that holds package data or configuration, never survey content.
ALLOWED_STATE = {
    "analysis/comments.py:_IDENTIFIER": "the language-identification model from py3langid",
    "analysis/embeddings.py:_CACHE": "the embedding model's weights, per installed folder",
    "analysis/integer_linear.py:_ARENA": "whether ONNX Runtime's shared arena is registered",
    "analysis/hotspots/playbook.py:_load_playbook_cached()": "the playbook YAML, by path and mtime",
    "analysis/sentiment.py:_scorer()": "the VADER scorer, with or without the domain layer",
    "analysis/survey.py:_matcher()": "an instrument's item matcher (survey definition)",
}
#: Process-wide memo caches keyed on comment text or its words would be survey content that
#: outlives the session and is shared between users on a server. None is allowed: the old ones
#: (comments.detect_language, signals._tag_text, themes._classify) now cache per call.
KNOWN_CONTENT_CACHES: dict[str, str] = {}


def _is_container(value: ast.expr) -> bool:
    if isinstance(value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp):
        return True
    if isinstance(value, ast.Call):
        func = value.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in _CONTAINER_CALLS
    return False


def _module_containers(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and _is_container(node.value):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
            and _is_container(node.value)
        ):
            names.add(node.target.id)
    return names


def _mutated_in_functions(tree: ast.Module, names: set[str]) -> set[str]:
    hit = set()
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        for n in ast.walk(fn):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
                owner = n.func.value
                if isinstance(owner, ast.Name) and owner.id in names and n.func.attr in _MUTATORS:
                    hit.add(owner.id)
            targets = []
            if isinstance(n, ast.Assign | ast.Delete):
                targets = n.targets
            elif isinstance(n, ast.AugAssign | ast.AnnAssign):
                targets = [n.target]
            for t in targets:
                owner = t.value if isinstance(t, ast.Subscript) else None
                if isinstance(owner, ast.Name) and owner.id in names:
                    hit.add(owner.id)
            if isinstance(n, ast.Global):
                hit |= set(n.names) & names
    return hit


def _memoised_with_arguments(tree: ast.Module) -> set[str]:
    """Top-level functions memoised by functools.cache / lru_cache that take arguments (a
    zero-argument loader can only hold what it reads from the package)."""
    out = set()
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        for dec in fn.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", "")
            args = fn.args
            if name in _MEMO and (args.args or args.posonlyargs or args.kwonlyargs):
                out.add(fn.name + "()")
    return out


def _module_state() -> set[str]:
    found = set()
    for folder in ("analysis", "render"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = _mutated_in_functions(tree, _module_containers(tree))
            found |= {f"{rel}:{n}" for n in names | _memoised_with_arguments(tree)}
    return found


def test_no_survey_content_in_module_level_state():
    """Module-level containers filled by functions, and memo caches with arguments, are either
    package data (allowed, with the reason) or a known defect; nothing new may appear."""
    found = _module_state()
    unexplained = found - set(ALLOWED_STATE) - set(KNOWN_CONTENT_CACHES)
    assert unexplained == set(), f"module-level state holding what? {sorted(unexplained)}"
    stale = (set(ALLOWED_STATE) | set(KNOWN_CONTENT_CACHES)) - found
    assert stale == set(), f"no longer found, take off the list: {sorted(stale)}"
    assert not [k for k in found if k.startswith("render/")]


def test_the_state_check_catches_a_cache_like_the_old_report_labels():
    """The report module once kept the last comments table in ``_LABELS``; the check must see
    exactly that shape."""
    tree = ast.parse(
        "_LABELS: list = []\n"
        "def labels(c):\n"
        "    _LABELS[:] = [(c, 1)]\n"
        "TABLE = {'a': 1}\n"
        "def read():\n"
        "    return TABLE['a']\n"
    )
    assert _mutated_in_functions(tree, _module_containers(tree)) == {"_LABELS"}


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


# --------------------------------------------------------------------------- sizes

MODULE_LINES = 600
FUNCTION_LINES = 80  # def line to last line, docstring included
SIZE_FOLDERS = ("analysis", "render", "ui", "app_pages")
#: Functions allowed over FUNCTION_LINES: each is listed, with why, in docs/architecture.md
#: ("Size exceptions"). Splitting one removes it here; nothing new may join without a reason.
FUNCTION_EXCEPTIONS = {
    "analysis/drivers.py:relative_weights",
    "analysis/drivers.py:key_drivers",
    "analysis/hotspots/screening.py:screen",
    "analysis/privacy/tables.py:_protect_cells",
    "analysis/privacy/tables.py:protect_groups",
    "analysis/waves/compare.py:compare_waves",
}


def _sizes() -> tuple[dict[str, int], dict[str, int]]:
    """(module -> lines) over MODULE_LINES and (module:function -> lines) over FUNCTION_LINES."""
    modules, functions = {}, {}
    for folder in SIZE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            src = path.read_text(encoding="utf-8")
            if src.count("\n") > MODULE_LINES:
                modules[name] = src.count("\n")
            for node in ast.walk(ast.parse(src)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = node.end_lineno - node.lineno + 1
                    if lines > FUNCTION_LINES:
                        functions[f"{name}:{node.name}"] = lines
    return modules, functions


def test_no_module_over_the_size_limit():
    modules, _ = _sizes()
    assert modules == {}, f"split these modules by job (limit {MODULE_LINES} lines): {modules}"


def test_no_function_over_the_size_limit_but_the_listed_exceptions():
    _, functions = _sizes()
    new = {f: n for f, n in functions.items() if f not in FUNCTION_EXCEPTIONS}
    assert new == {}, f"split these (limit {FUNCTION_LINES} lines) or justify them: {new}"
    gone = FUNCTION_EXCEPTIONS - set(functions)
    assert gone == set(), f"no longer over the limit: take them off the exception list: {gone}"


def test_every_size_exception_is_justified_in_the_architecture_doc():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = sorted(f for f in FUNCTION_EXCEPTIONS if f"`{f}`" not in doc)
    assert missing == [], f"list these in docs/architecture.md with a reason: {missing}"
