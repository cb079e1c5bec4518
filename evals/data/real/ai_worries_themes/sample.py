#!/usr/bin/env python3
"""Write `answers.tsv` (every answer to one Global Dialogues GD1 question) and the rows to code.

Usage:
    python sample.py <q17_thought_labels.csv> [answers.tsv]

<q17_thought_labels.csv> is `Data/GD1/tags/ecb3b9b7-e8ce-404f-8ea4-e14a0cb586f1_thought_labels.csv`
of the repository brandonjackson/global-dialogues (commit
3b962d5f631367edc3a3501a06d913e83129e56f): GD1 question 17, "What is another dangerous outcome
you can imagine happening from AI? What would need to be true for that to happen?". Only the
columns `Participant ID` and `ResponseText` are read (the others are the publisher's automatic
tags and sentiment, never used).

`answers.tsv`: id, source, question, text, split, code_order for every non-empty answer, as one
survey export would hold them (the themes evaluation clusters all of them, as the app would).
`code_order` ranks the answers a reader codes: English answers in the order of
sha256("themes:" + id); the first N_CODE are coded (`themes.tsv`), the rest have no rank.
The split is the `ai_worries` rule (by participant), so a participant's rows share a split
across the two sets.
"""

import csv
import hashlib
import sys

SOURCE = "cip_gd1"
QUESTION = (
    "What is another dangerous outcome you can imagine happening from AI? "
    "What would need to be true for that to happen?"
)
N_CODE = 376  # as many as the human-coded AI-worry answers


def clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").replace("\r", " ").replace("\n", " ").split())


def english(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isascii() for c in letters) / len(letters) >= 0.9


def split_of(respondent_key: str) -> str:
    h = int(hashlib.sha1(("split:" + respondent_key).encode()).hexdigest(), 16)
    return "test" if h % 10 < 4 else "dev"


def answers(path: str) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for rec in csv.DictReader(f):
            pid = rec["Participant ID"].strip()
            text = clean(rec["ResponseText"] or "")
            if text:
                rows.append(
                    {
                        "id": f"gd1-q17-{pid}",
                        "source": SOURCE,
                        "question": QUESTION,
                        "text": text,
                        "split": split_of("gd1-" + pid),
                        "code_order": "",
                    }
                )
    order = sorted(
        (r for r in rows if english(r["text"])),
        key=lambda r: hashlib.sha256(("themes:" + r["id"]).encode()).hexdigest(),
    )
    for rank, r in enumerate(order[:N_CODE], start=1):
        r["code_order"] = str(rank)
    return rows


def _write(out, rows: list[dict]) -> None:
    cols = ["id", "source", "question", "text", "split", "code_order"]
    out.write("\t".join(cols) + "\n")
    for r in rows:
        out.write("\t".join(r[c] for c in cols) + "\n")


def main() -> None:
    rows = answers(sys.argv[1])
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w", encoding="utf-8", newline="") as out:
            _write(out, rows)
    else:
        _write(sys.stdout, rows)
    coded = [r for r in rows if r["code_order"]]
    print(
        f"answers {len(rows)}; to code {len(coded)} "
        f"(dev {sum(r['split'] == 'dev' for r in coded)}, "
        f"test {sum(r['split'] == 'test' for r in coded)})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
