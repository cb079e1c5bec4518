"""Run corpus cases in this process under a memory limit: ``python -m tests.corpus.run NAME...``.

Prints one JSON object per case on stdout. Each case goes through ingestion, the full analysis
(``pipeline.load`` -> ``prepare`` -> ``analyze``) and every report writer, exactly as the app
and the CLI chain them; a user-facing error (IngestError, or the ValueError the analysis
raises for a table it can't score) is an ``error`` outcome, anything else a ``crash`` whose
traceback goes into the JSON (never to stderr, which the test requires to stay clean).
The heavy analysis modules are imported only when a case gets past ingestion, so a bomb case
costs little more than starting Python.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
from typing import Any

MEMORY_LIMIT = int(os.environ.get("CHANGERADAR_CORPUS_MEMORY", str(2 * 1024**3)))


def _set_address_limit(limit: int | None) -> None:
    """Cap (or uncap: None) this process's address space; the hard limit is never touched,
    so the cap can be lifted again."""
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    if limit is None:
        soft = hard
    else:
        soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _outputs(results: Any, team_html: bool) -> dict[str, bytes]:
    from render import csv as render_csv
    from render import html as render_html
    from render.teams import team_names
    from render.xlsx import team_workbook

    out = {
        "group_csv": render_csv.group_csv(results),
        "comments_csv": render_csv.comments_csv(results),
        "overview_html": render_html.overview_html(results).encode("utf-8"),
    }
    teams = team_names(results)
    if teams:
        out["team_workbook"] = team_workbook(results)
    if teams and team_html:
        out["team_html"] = render_html.team_html(results, teams[0]).encode("utf-8")
    return out


def analyse(name: str) -> tuple[dict[str, Any], tuple[Any, Any, Any] | None]:
    """Phase 1, under the address-space cap: ingestion and the whole analysis."""
    from analysis.ingest import IngestError, read_export
    from tests.corpus import build, cases

    case = cases.BY_NAME[name]
    record: dict[str, Any] = {"name": name, "warnings": [], "check": ""}
    data = getattr(build, case.builder)()
    start, cpu = time.perf_counter(), time.process_time()
    done = None
    try:
        read_export(data, case.filename)  # the cheap first gate, before any heavy import
        from analysis import pipeline
        from analysis.privacy import PrivacyError

        try:
            export, colmap = pipeline.load(data, case.filename)
            prepared = pipeline.prepare(export, colmap, source_name=case.filename)
            results = pipeline.analyze(prepared)
        except PrivacyError as exc:
            raise ValueError(str(exc)) from None
        record.update(outcome="ok", warnings=list(results.warnings))
        done = (export, prepared, results)
    except (IngestError, ValueError) as exc:
        record.update(outcome="error", error_type=type(exc).__name__, message=str(exc))
    except MemoryError:
        record.update(outcome="crash", message="MemoryError", stage="analysis")
    except Exception:
        record.update(outcome="crash", message=traceback.format_exc(), stage="analysis")
    record["seconds"] = time.perf_counter() - start
    record["cpu_seconds"] = time.process_time() - cpu
    record["peak_mb_analysis"] = round(_peak_mb(), 1)
    return record, done


def export_and_check(record: dict[str, Any], done: tuple[Any, Any, Any]) -> None:
    """Phase 2, cap lifted (the charts' V8 engine reserves tens of GB of address space up
    front): every report writer, then the case's check."""
    from tests.corpus import cases

    case = cases.BY_NAME[record["name"]]
    start, cpu = time.perf_counter(), time.process_time()
    try:
        outputs = _outputs(done[2], case.team_html)
    except Exception:
        record.update(outcome="crash", message=traceback.format_exc(), stage="report")
        return
    finally:
        record["seconds"] += time.perf_counter() - start
        record["cpu_seconds"] += time.process_time() - cpu
    check = cases.CHECKS.get(case.check) if case.check else None
    if check is None:
        return
    try:
        check(cases.Outcome(*done, outputs))
        record["check"] = "passed"
    except Exception as exc:  # a failed assertion, or a check tripping over odd results
        record["check"] = f"failed: {type(exc).__name__}: {exc}"


def _warm_up() -> None:
    """Import the analysis and load the encoder before any case's clock starts: the per-case
    bound is about the file, and the app has both loaded before a file arrives. Cases then
    share their comments' vectors (the encoder memo)."""
    from analysis import embeddings, pipeline  # noqa: F401
    from tests import encoder_memo

    if not encoder_memo.REAL:
        encoder_memo.install()
    if embeddings.available():
        embeddings.encode(["warm up"])


def main(names: list[str]) -> int:
    _set_address_limit(MEMORY_LIMIT)
    from tests.corpus import cases

    if any(cases.BY_NAME[name].succeeds for name in names):  # bombs stay cheap
        _warm_up()
    phase1 = [analyse(name) for name in names]
    _set_address_limit(None)
    for record, done in phase1:
        if done is not None:
            export_and_check(record, done)
        record["seconds"] = round(record["seconds"], 3)
        record["cpu_seconds"] = round(record["cpu_seconds"], 3)
        record["peak_mb"] = round(_peak_mb(), 1)
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
