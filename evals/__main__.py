"""Print every evaluation figure against its goal; exit 1 when a goal on our own sets is missed."""

from __future__ import annotations

import importlib
import sys

from evals import real_signals

MODULES = (
    "evals.sentiment",
    "evals.signals",
    "evals.themes",
    "evals.themes_semantic",
    "evals.themes_real",
    "evals.column_roles",
    "evals.hotspots_power",
    "evals.pilot_sim",
)


def main() -> int:
    rows: list[dict] = []
    for name in MODULES:
        module = importlib.import_module(name)
        rows.extend(module.run())
    width = max(len(r["metric"]) for r in rows)
    print(f"{'metric':<{width}}  {'value':>7}  {'goal':>9}  status  data set")
    failed = 0
    for r in rows:
        goal = f"{r['op']} {r['goal']:.2f}" if r.get("goal") is not None else "-"
        ok = r.get("passed", True)
        failed += not ok
        status = "ok" if ok else "MISS"
        print(f"{r['metric']:<{width}}  {r['value']:>7.3f}  {goal:>9}  {status:<6}  {r['dataset']}")
    print()
    print("Rows marked REAL DATA come from real text; the rest are synthetic (smoke tests).")
    print()
    real_signals.main()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
