"""Blind second-labeller agreement study for ``displacement_fear`` and ``ai_distrust``.

Not part of ChangeRadar; a reliability check of ``labels.tsv`` (see AGREEMENT.md).

Draw the blind sample (writes only id, question, text; prints no label values):

    .venv/bin/python evals/data/real/ai_at_work_interviews/agreement_sample.py [--out PATH]

Score the second labels in ``second_labeller.tsv`` against the first labels in ``labels.tsv``:

    .venv/bin/python evals/data/real/ai_at_work_interviews/agreement_sample.py --score

Sample design: rows with ``split == "test"``; 100 drawn among those ``labels.tsv`` marks positive
for ``displacement_fear`` OR ``ai_distrust`` and 200 among the rest, with
``numpy.random.default_rng(20261203)``; the 300 rows are then shuffled together with the same
generator so the blind file does not reveal the strata.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels.tsv"
SECOND = HERE / "second_labeller.tsv"
SEED = 20261203
N_POS, N_REST = 100, 200
SIGNALS = ("displacement_fear", "ai_distrust")


def read_tsv(path: Path) -> pd.DataFrame:
    # Texts hold quote characters: no CSV quoting; empty cells kept as "".
    return pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)


def draw() -> pd.DataFrame:
    """The 300 sampled rows (all columns), in the shuffled blind order.

    Column ``stratum`` ("pos"/"rest") and ``weight`` (test rows in the stratum / rows drawn) are
    added for scoring; ``write_blind`` never writes them.
    """
    df = read_tsv(LABELS)
    test = df[df["split"] == "test"].sort_values("id").reset_index(drop=True)
    pos_mask = (test["displacement_fear"] == "1") | (test["ai_distrust"] == "1")
    pos, rest = test[pos_mask], test[~pos_mask]
    rng = np.random.default_rng(SEED)
    pick_pos = rng.choice(len(pos), size=N_POS, replace=False)
    pick_rest = rng.choice(len(rest), size=N_REST, replace=False)
    sample = pd.concat(
        [
            pos.iloc[np.sort(pick_pos)].assign(stratum="pos", weight=len(pos) / N_POS),
            rest.iloc[np.sort(pick_rest)].assign(stratum="rest", weight=len(rest) / N_REST),
        ]
    )
    return sample.iloc[rng.permutation(len(sample))].reset_index(drop=True)


def write_blind(out: Path) -> None:
    sample = draw()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        f.write("id\tquestion\ttext\n")
        for r in sample.itertuples():
            f.write(f"{r.id}\t{r.question}\t{r.text}\n")
    print(f"wrote {len(sample)} blind rows (id, question, text) to {out}")


def kappa(a: np.ndarray, b: np.ndarray, w: np.ndarray | None = None) -> float:
    """Cohen's kappa of two 0/1 label vectors; with ``w``, of the weighted 2x2 table."""
    w = np.ones(len(a)) if w is None else w / w.sum() * len(a)
    po = float(np.average(a == b, weights=w))
    pa, pb = float(np.average(a, weights=w)), float(np.average(b, weights=w))
    pe = pa * pb + (1 - pa) * (1 - pb)
    return (po - pe) / (1 - pe) if pe < 1 else float("nan")


def boot_ci(a, b, w, strata, reps: int = 2000) -> tuple[float, float]:
    """95% percentile interval of the weighted kappa, resampling rows within each stratum."""
    rng = np.random.default_rng(SEED)
    groups = [np.flatnonzero(strata == s) for s in np.unique(strata)]
    vals = []
    for _ in range(reps):
        idx = np.concatenate([rng.choice(g, size=len(g), replace=True) for g in groups])
        vals.append(kappa(a[idx], b[idx], w[idx]))
    lo, hi = np.nanpercentile(vals, [2.5, 97.5])
    return float(lo), float(hi)


def score() -> None:
    first = read_tsv(LABELS).set_index("id")
    second = read_tsv(SECOND).set_index("id")
    sample = draw()
    sample_ids = list(sample["id"])
    w = sample["weight"].to_numpy(float)
    strata = sample["stratum"].to_numpy()
    if sorted(sample_ids) != sorted(second.index):
        raise SystemExit("second_labeller.tsv ids differ from the redrawn sample")
    print(
        f"n = {len(sample_ids)} (stratified sample: {N_POS} first-label positives for "
        f"displacement_fear OR ai_distrust + {N_REST} other test rows, seed {SEED})"
    )
    for sig in SIGNALS:
        a = first.loc[sample_ids, sig].astype(int).to_numpy()
        b = second.loc[sample_ids, sig].astype(int).to_numpy()
        n11, n10 = int(((a == 1) & (b == 1)).sum()), int(((a == 1) & (b == 0)).sum())
        n01, n00 = int(((a == 0) & (b == 1)).sum()), int(((a == 0) & (b == 0)).sum())
        print(f"\n## {sig}")
        print("             second=1  second=0")
        print(f"first=1      {n11:8d}  {n10:8d}")
        print(f"first=0      {n01:8d}  {n00:8d}")
        print(
            f"agreement {(n11 + n00) / len(a):.3f} ({n11 + n00}/{len(a)}), "
            f"Cohen's kappa {kappa(a, b):.3f} (on the stratified sample)"
        )
        lo, hi = boot_ci(a, b, w, strata)
        print(
            f"reweighted to the test split (inverse sampling weights): agreement "
            f"{np.average(a == b, weights=w):.3f}, kappa {kappa(a, b, w):.3f} "
            f"(stratified bootstrap 95% CI {lo:.2f}-{hi:.2f}); positives first/second "
            f"{int(a.sum())}/{int(b.sum())}"
        )
        for i, (x, y) in zip(sample_ids, zip(a, b, strict=True), strict=True):
            if x != y:
                text = first.loc[i, "text"]
                short = text if len(text) <= 200 else text[:197] + "..."
                print(f"  {i}\tfirst={x} second={y}\t{short}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--score", action="store_true", help="score second_labeller.tsv")
    ap.add_argument("--out", type=Path, default=Path("/tmp/second_label/blind.tsv"))
    args = ap.parse_args()
    if args.score:
        score()
    else:
        write_blind(args.out)


if __name__ == "__main__":
    main()
