"""``make bench``: time ChangeRadar's real analysis path stage by stage, against a naive stack.

How a size is measured (see :func:`run_ours`): one fresh process reads the file's bytes, then
runs exactly what the app runs, ``pipeline.load`` -> ``pipeline.prepare`` ->
``pipeline.analyze(by="team")``, timed end to end. Stage times come from timers wrapped, for
that process only, around the functions ``load``/``prepare``/``analyze`` call (``read_export``,
``infer_columns``, ``scoring.prepare``, ``tidy_comments``, ``redact``, ``score_texts``,
``tag_texts``, ``ThemeModel.fit``, ``key_drivers``), so the stages are the real code path with
cold caches, not a copy of it. Then, with the prepared upload in hand, it times regrouping by
role, refiltering to one role, a crossed team × role view and (``render.xlsx``)
the team summary workbook with every team.

Peak memory is the kernel's high-water mark of resident memory (``VmHWM``), reset before and
read after each stage, plus the peak of the sentiment helper process (a second process that
scores half of a large batch), read from ``/proc`` before it is stopped. Wall-clock and CPU
seconds are both kept, because the development machine is shared: CPU well below wall time
means the process was waiting.
"""

from __future__ import annotations

import contextlib
import cProfile
import functools
import importlib
import importlib.metadata
import io
import os
import platform
import pstats
import resource
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["machine_info", "run_ours"]


# ------------------------------------------------------------------------------ memory


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class _Peak:
    """Per-stage and overall peak RSS; resetting the kernel high-water mark when allowed."""

    def __init__(self) -> None:
        self.overall = 0.0
        self.can_reset = self._reset()

    @staticmethod
    def _reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
                fh.write("5")
            return True
        except OSError:
            return False

    def start(self) -> None:
        self.read()
        if self.can_reset:
            self._reset()

    def read(self) -> float:
        hwm = _status_mb("VmHWM")
        if hwm is None:  # not Linux: fall back to the lifetime peak
            hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.overall = max(self.overall, hwm)
        return hwm


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# ------------------------------------------------------------------------------ stage timers


class _Stages:
    """Accumulates wall and CPU seconds (and peak RSS) per named stage."""

    def __init__(self, peak: _Peak, profile_dir: Path | None) -> None:
        self.peak = peak
        self.profile_dir = profile_dir
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.rss: dict[str, float] = {}
        self._restore: list[tuple[Any, str, Any]] = []

    @contextlib.contextmanager
    def timed(self, label: str, *, profile: bool = True, memory: bool = True) -> Iterator[None]:
        if memory:
            self.peak.start()
        prof = cProfile.Profile() if (profile and self.profile_dir) else None
        c0, t0 = _cpu(), time.perf_counter()
        if prof:
            prof.enable()
        try:
            yield
        finally:
            if prof:
                prof.disable()
            wall, cpu = time.perf_counter() - t0, _cpu() - c0
            self.wall[label] = self.wall.get(label, 0.0) + wall
            self.cpu[label] = self.cpu.get(label, 0.0) + cpu
            if memory:
                self.rss[label] = max(self.rss.get(label, 0.0), self.peak.read())
            if prof:
                _dump_profile(prof, self.profile_dir, label)

    def wrap(self, owner: Any, name: str, label: str, **kw: Any) -> None:
        """Replace ``owner.name`` by a timed version for the rest of this process's run."""
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.timed(label, **kw):
                return original(*args, **kwargs)

        self._restore.append((owner, name, original))
        setattr(owner, name, timed)

    def restore(self) -> None:
        for owner, name, original in reversed(self._restore):
            setattr(owner, name, original)
        self._restore.clear()


def _dump_profile(prof: cProfile.Profile, folder: Path, label: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    prof.dump_stats(str(folder / f"{label}.prof"))
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(25)
    (folder / f"{label}.txt").write_text(out.getvalue(), encoding="utf-8")


# ------------------------------------------------------------------------------ the run


def _limits_for(size: int, rows_hint: int):
    """Default ingest limits, raised only when the benchmark file is beyond them (1M CSV)."""
    from analysis.ingest import DEFAULT_LIMITS

    lim = DEFAULT_LIMITS
    if size <= lim.max_bytes and rows_hint <= lim.max_rows:
        return None
    return replace(
        lim,
        max_bytes=max(lim.max_bytes, 2 * size),
        max_rows=max(lim.max_rows, 2 * rows_hint),
        max_cells=max(lim.max_cells, 200 * rows_hint),
        max_uncompressed_bytes=max(lim.max_uncompressed_bytes, 20 * size),
    )


def _report(results: Any, timer: _Stages) -> tuple[str, int]:
    """The team summary workbook with every team (``render.xlsx.team_workbook``)."""
    from render.teams import team_names
    from render.xlsx import team_workbook

    try:
        with timer.timed("report"):
            data = team_workbook(results)
    except (TypeError, ValueError) as exc:  # the report contract changed: say so, don't guess
        timer.wall.pop("report", None)
        return f"n/a: team_workbook(results) failed: {exc}", 0
    teams = team_names(results)
    return f"ok: one workbook, {len(teams)} team sheets, {len(data) / 1e6:.1f} MB", len(teams)


def run_ours(
    path: Path,
    *,
    rows_hint: int = 0,
    profile_dir: Path | None = None,
    n_boot: int | None = None,
) -> dict[str, Any]:
    """Measure ChangeRadar on one export in this (fresh) process; see the module docstring."""
    t_import = time.perf_counter()

    from analysis import comments, drivers, pipeline, scoring, sentiment, themes

    # by module path: the package re-exports a function named ``load`` over its submodule
    pipeline_coding = importlib.import_module("analysis.pipeline.coding")
    pipeline_load = importlib.import_module("analysis.pipeline.load")

    import_seconds = time.perf_counter() - t_import

    path = Path(path)
    data = path.read_bytes()
    file_mb = len(data) / 1e6
    limits = _limits_for(len(data), rows_hint)
    peak = _Peak()
    timer = _Stages(peak, profile_dir)
    inner = {"profile": True, "memory": True}
    # the pipeline package's stage modules import these names, so they are wrapped there
    timer.wrap(pipeline_load, "read_export", "ingest_read", **inner)
    timer.wrap(pipeline_load, "infer_columns", "ingest_columns", **inner)
    timer.wrap(scoring, "prepare", "scoring", **inner)
    timer.wrap(comments, "tidy_comments", "comments_tidy", **inner)
    timer.wrap(pipeline_coding, "redact", "comments_redact", **inner)
    timer.wrap(pipeline_coding, "score_texts", "sentiment", **inner)
    timer.wrap(pipeline_coding, "tag_texts", "signals", **inner)
    timer.wrap(themes.ThemeModel, "fit", "themes", **inner)
    timer.wrap(drivers, "key_drivers", "drivers", **inner)
    prepare_kw = {} if n_boot is None else {"n_boot": n_boot}

    try:
        t0 = time.perf_counter()
        c0 = _cpu()
        with timer.timed("ingest", profile=False, memory=False):
            export, colmap = pipeline.load(data, path.name, limits=limits)
        del data  # as the CLI does: the file's bytes are not kept once read
        with timer.timed("prepare", profile=False, memory=False):
            prep = pipeline.prepare(export, colmap, source_name=path.name, **prepare_kw)
        with timer.timed("analyze", memory=True):
            results = pipeline.analyze(prep, by="team")
        end_to_end = time.perf_counter() - t0
        end_to_end_cpu = _cpu() - c0
        helper_mb = _helper_peak_mb(sentiment)
        sentiment.close_helper()  # nothing later scores sentiment: free its memory

        role_col = prep.resolve("role")
        top_role = str(prep.scored.groups[role_col].value_counts().index[0])
        # The app holds the view on screen (and its bounded view cache): each later view is
        # reduced to what the counts check reads once it is measured. The first is kept for
        # the report.
        with timer.timed("regroup"):
            by_role = pipeline.analyze(prep, by="role")
        views = {"groups_by_role": int(by_role.groups["group"].nunique())}
        del by_role
        with timer.timed("refilter"):
            filtered = pipeline.analyze(prep, by="team", filters={"role": [top_role]})
        views["n_filtered"] = filtered.n
        del filtered
        with timer.timed("crossed"):
            crossed = pipeline.analyze(prep, by=("team", "role"))
        views["crossed_groups"] = int(crossed.groups["group"].nunique())
        del crossed
        report_status, n_reports = _report(results, timer)
    finally:
        timer.restore()
    sentiment.close_helper()
    peak.read()
    main_mb = peak.overall  # the whole run's: the high-water mark is reset at every stage
    counts = _counts(prep, results, views, n_reports)
    rows, file_type, fmt = len(export.responses), export.file_type, export.format
    del prep, results, export, colmap  # the app holds one analysis
    first_view, complete = _first_view(pipeline, path.read_bytes(), path.name, limits, prepare_kw)

    w = timer.wall
    inside = ("scoring", "comments_tidy", "comments_redact", "sentiment", "signals", "themes")
    inside += ("drivers",)
    glue = w["prepare"] - sum(w.get(k, 0.0) for k in inside)
    stage_seconds = {
        "ingest": w["ingest"],
        "scoring": w.get("scoring", 0.0),
        "comments": w.get("comments_tidy", 0.0) + w.get("comments_redact", 0.0),
        "sentiment": w.get("sentiment", 0.0),
        "signals": w.get("signals", 0.0),
        "themes": w.get("themes", 0.0),
        "drivers": w.get("drivers", 0.0),
        "prepare_other": glue,
        "analyze": w["analyze"],
        "regroup": w["regroup"],
        "refilter": w["refilter"],
        "report": w.get("report"),
        "end_to_end": end_to_end,
        "first_view": first_view,
        "first_view_to_complete": complete,
    }
    return {
        "file": path.name,
        "file_mb": round(file_mb, 2),
        "file_type": file_type,
        "format": fmt,
        "rows": rows,
        "limits_raised": limits is not None,
        "stage_seconds": {k: _r(v) for k, v in stage_seconds.items()},
        "total_seconds": _r(end_to_end),
        "detail_seconds": {k: _r(v) for k, v in sorted(w.items())},
        "cpu_seconds": {k: _r(v) for k, v in sorted(timer.cpu.items())},
        "end_to_end_cpu_seconds": _r(end_to_end_cpu),
        "import_seconds": _r(import_seconds),
        "stage_peak_rss_mb": {k: round(v, 1) for k, v in sorted(timer.rss.items())},
        "peak_rss_main_mb": round(main_mb, 1),
        "peak_rss_helper_mb": round(helper_mb, 1),
        # Conservative: as if the main process and the sentiment helper peaked together.
        "peak_rss_mb": round(main_mb + helper_mb, 1),
        "peak_rss_resettable": peak.can_reset,
        "counts": counts,
        "report_status": report_status,
    }


def _counts(prep: Any, results: Any, views: dict[str, int], n_reports: int) -> dict[str, int]:
    """What the run produced, as a check that every size did the same work."""
    import numpy as np

    analysed = prep.comments["analysed"].to_numpy() if len(prep.comments) else np.array([])
    # the coded table keeps the redacted text only (redaction may make two comments alike)
    texts = prep.comments.loc[analysed, "redacted"] if len(prep.comments) else []
    return {
        "comments": len(prep.comments),
        "analysed": int(analysed.sum()) if len(analysed) else 0,
        "unique_analysed_texts": len(set(texts)),
        "themes": 0 if prep.theme_model is None else len(prep.theme_model.themes_),
        "flags_by_team": len(results.flags),
        **views,
        "report_workbooks": n_reports,
    }


def _helper_peak_mb(sentiment: Any) -> float:
    """Peak RSS of the sentiment helper process, if one ran (0 when the batch was small).

    Read from ``/proc/<pid>/status`` while it is alive: ``RUSAGE_CHILDREN`` would also count
    short-lived forks (sklearn's core-count probe, ``uname``) at their parent's size.
    """
    helper = getattr(sentiment, "_HELPER", None)
    proc = getattr(helper, "proc", None)
    if proc is None or proc.poll() is not None:
        return 0.0
    try:
        with open(f"/proc/{proc.pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _first_view(
    pipeline: Any, data: bytes, name: str, limits: Any, prepare_kw: dict[str, Any]
) -> tuple[float, float]:
    """(seconds from upload to the first view, to the finished analysis) as the app runs it:
    ``prepare(background=True)`` then the first ``analyze``; themes, model-read signals and
    learned sentiment labels follow in the background job. Measured after the full run, so the
    process is a warm server (imports done, encoder loaded), as the app is after start-up;
    nothing of the earlier run is reused (a fresh load and Prepared, cold view caches)."""
    t0 = time.perf_counter()
    export, colmap = pipeline.load(data, name, limits=limits)
    quick = pipeline.prepare(export, colmap, source_name=name, background=True, **prepare_kw)
    pipeline.analyze(quick, by="team")
    first = time.perf_counter() - t0
    pipeline.settle(quick, timeout=None)
    return first, time.perf_counter() - t0


def _r(v: float | None) -> float | None:
    return None if v is None else round(float(v), 3)


# ------------------------------------------------------------------------------ machine


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas() -> str:
    """The BLAS library and the kernel it runs (OPENBLAS_CORETYPE can force an older one)."""
    from threadpoolctl import threadpool_info

    found = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not found:
        return "unknown"
    info = found[0]
    kernel = f"{info.get('architecture')} kernel"
    if os.environ.get("OPENBLAS_CORETYPE"):
        kernel += " (forced by OPENBLAS_CORETYPE)"
    return f"{info.get('internal_api')} {info.get('version')}, {kernel}"


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on (versions, CPU, load) for the results file."""
    import nltk
    import numpy
    import pandas
    import sklearn

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        mem_gb = None
    try:
        calamine = importlib.metadata.version("python-calamine")
    except importlib.metadata.PackageNotFoundError:
        calamine = None
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_gb": None if mem_gb is None else round(mem_gb, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
        "sklearn": sklearn.__version__,
        "nltk": nltk.__version__,
        "python_calamine": calamine,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "blas": _blas(),
    }
