"""Rebuild ``community_feedback_comments_only.csv`` from the dev split of the real, public
comments in ``evals/data/real/workplace_feedback/labels.tsv`` (Apache-2.0; see SOURCES.md).

A comments-only export as pulse and "one thing to improve" surveys produce it: a respondent id,
a team column and two open questions, no rated item. Answers are verbatim; the team is the
community that answered (from the answer's id); an answer to a question asking what is wished
for, missing or could help goes under the first question, any other under the second.
Only dev rows are used (test rows are never tuned on).

    .venv/bin/python -m tests.data.comments_only.make_file
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SOURCE = ROOT / "evals" / "data" / "real" / "workplace_feedback" / "labels.tsv"
OUT = HERE / "community_feedback_comments_only.csv"
TEAMS = {
    "cncf-maintainer": "CNCF maintainers",
    "k8s-contribex": "Kubernetes contributors",
    "cncf-ambassador": "CNCF ambassadors",
    "cncf-member": "CNCF member companies",
}
PER_TEAM = 45
WISH = r"wish|missing|help|easier|diversity|marketing|provided"
Q_WISH = "What would you like the foundation to provide or help with?"
Q_OTHER = "Any other feedback?"


def build() -> pd.DataFrame:
    """The file's rows: PER_TEAM dev answers per team, drawn with a fixed seed."""
    rows = pd.read_csv(SOURCE, sep="\t", dtype=str, keep_default_na=False)
    rows = rows[rows["split"] == "dev"].copy()
    rows["team_key"] = rows["id"].str.split("-").str[:2].str.join("-")
    rows = rows[rows["team_key"].isin(TEAMS)]
    parts = [
        rows[rows["team_key"] == key].sample(n=PER_TEAM, random_state=20261202) for key in TEAMS
    ]
    picked = pd.concat(parts).sample(frac=1.0, random_state=7)
    wish = picked["question"].str.contains(WISH, case=False, regex=True)
    return pd.DataFrame(
        {
            "Respondent ID": picked["id"].to_numpy(),
            "Team": picked["team_key"].map(TEAMS).to_numpy(),
            Q_WISH: picked["text"].where(wish, "").to_numpy(),
            Q_OTHER: picked["text"].where(~wish, "").to_numpy(),
        }
    )


if __name__ == "__main__":
    build().to_csv(OUT, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    print(f"wrote {OUT}")
