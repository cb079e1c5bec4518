#!/usr/bin/env python3
"""Re-draw the rows of `ai_worries/labels.tsv` from the Global Dialogues GD1 answer files.

Usage:
    python sample.py <tags_dir> [out.tsv]

<tags_dir> is the folder `Data/GD1/tags/` of the repository brandonjackson/global-dialogues
(commit 3b962d5f631367edc3a3501a06d913e83129e56f); it must hold
    ecb3b9b7-e8ce-404f-8ea4-e14a0cb586f1_thought_labels.csv   (GD1 question 17)
    f5407fc4-4693-4284-9c71-9a436ed8a854_thought_labels.csv   (GD1 question 24)
Only the columns `Participant ID` and `ResponseText` are read (the other columns are the
publisher's automatic tags and sentiment; they are not used).

Writes id, source, question, text, split, stratum (tab-separated) for the 320 drawn rows, in
draw order. If `labels.tsv` sits next to this script, also checks that id, source, question,
text and split of every drawn row equal it. Reads only the two files; runs nothing else.
"""

import csv
import hashlib
import os
import random
import re
import sys

SEED = 20261207
N_JOB = 160  # rows drawn from answers containing a job-related word
N_RANDOM = 160  # rows drawn at random from all other eligible answers

QUESTIONS = [  # (file uuid, question key, question text) in survey order
    (
        "ecb3b9b7-e8ce-404f-8ea4-e14a0cb586f1",
        "q17",
        "What is another dangerous outcome you can imagine happening from AI? "
        "What would need to be true for that to happen?",
    ),
    (
        "f5407fc4-4693-4284-9c71-9a436ed8a854",
        "q24",
        "Describe a concrete scenario where you would feel uncomfortable with an AI making a "
        "decision instead of a human. What specific aspects make you uneasy?",
    ),
]
SOURCE = "cip_gd1"
JOB_RE = re.compile(r"\b(job|work|employ|replac|career|livelihood|unemploy|automat)", re.I)
SKIP = {"", "n/a", "na", "none", "nothing", "no", "-", "."}


def clean(text):
    return " ".join(text.replace("\t", " ").replace("\r", " ").replace("\n", " ").split())


def english(text):
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isascii() for c in letters) / len(letters) >= 0.9


def split_of(respondent_key):
    h = int(hashlib.sha1(("split:" + respondent_key).encode()).hexdigest(), 16)
    return "test" if h % 10 < 4 else "dev"


def eligible_rows(tags_dir):
    rows = []
    for uuid, qkey, qtext in QUESTIONS:
        path = os.path.join(tags_dir, uuid + "_thought_labels.csv")
        with open(path, encoding="utf-8-sig", newline="") as f:
            for rec in csv.DictReader(f):
                pid = rec["Participant ID"].strip()
                text = clean(rec["ResponseText"] or "")
                n_words = len(text.split())
                if text.lower().strip(" .!") in SKIP or not (3 <= n_words <= 80):
                    continue
                if not english(text):
                    continue
                rows.append(
                    {
                        "id": f"gd1-{qkey}-{pid}",
                        "source": SOURCE,
                        "question": qtext,
                        "text": text,
                        "split": split_of("gd1-" + pid),
                    }
                )
    return rows


def draw(rows):
    rng = random.Random(SEED)
    job = [r for r in rows if JOB_RE.search(r["text"])]
    picked = rng.sample(job, N_JOB)
    ids = {r["id"] for r in picked}
    rest = [r for r in rows if r["id"] not in ids]
    picked_rest = rng.sample(rest, N_RANDOM)
    for r in picked:
        r["stratum"] = "job_words"
    for r in picked_rest:
        r["stratum"] = "random"
    return picked + picked_rest


def _write(out, drawn):
    cols = ["id", "source", "question", "text", "split", "stratum"]
    out.write("\t".join(cols) + "\n")
    for r in drawn:
        out.write("\t".join(r[c] for c in cols) + "\n")


def main():
    tags_dir = sys.argv[1]
    rows = eligible_rows(tags_dir)
    drawn = draw(rows)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w", encoding="utf-8", newline="") as out:
            _write(out, drawn)
    else:
        _write(sys.stdout, drawn)
    labels = os.path.join(os.path.dirname(os.path.abspath(__file__)), "labels.tsv")
    if os.path.exists(labels):
        with open(labels, encoding="utf-8") as f:
            lines = f.read().split("\n")
        head = lines[0].split("\t")
        have = {}
        for line in lines[1:]:
            if line:
                v = dict(zip(head, line.split("\t"), strict=True))
                have[v["id"]] = v
        bad = [
            r["id"]
            for r in drawn
            if r["id"] not in have
            or any(have[r["id"]][c] != r[c] for c in ("source", "question", "text", "split"))
        ]
        print(
            f"eligible {len(rows)}; drawn {len(drawn)}; labels.tsv rows {len(have)}; "
            f"mismatches {len(bad)}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
