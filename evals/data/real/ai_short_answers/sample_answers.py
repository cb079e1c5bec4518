"""Re-draw the rows of ``ai_short_answers/labels.tsv`` (id, source, question, text, split).

Usage: python sample_answers.py SO_RDS DATAKIND_CSV > rows.tsv

SO_RDS: ``data/ID_SOAI_responses.rds`` of acstat231-f23/blog-network-mammoths at commit
a29c80d1a74a743524ca8a35701557bd8e38e607 (ResponseId and SOAI of the public 2023 Stack Overflow
Developer Survey results, read with the ``rdata`` package: ``pip install rdata``).
DATAKIND_CSV: ``Responsible_Survey_Responses_Anonymised.csv`` of
DataKind-UK/Responsible-Data-Survey at commit 57de276246504972e5f36f6956afb5812529baff.

Eligible: answers of 3 to 80 words (whitespace-separated) after replacing tab/CR/LF by a space
and trimming. Stack Overflow: a random sample of 580 (``random.Random(20261204)`` over the
eligible answers in ResponseId order); DataKind: every eligible answer to Q1 (why), Q2.8 (other
concerns) and Q5.a (explain). Nothing in the answer text other than its length chose a row.
Split: ``test`` when int(sha1(key), 16) % 10 < 4, else ``dev`` (the rule of the other sets),
key = the id, or for DataKind the respondent (``datakind2019-r<n>``).
"""

from __future__ import annotations

import hashlib
import random
import re
import sys

import pandas as pd

SO_QUESTION = (
    "What is your opinion on Stack Overflow using AI tools to improve the current experience? "
    "What could AI help with most to improve Stack Overflow?"
)
DATAKIND = {  # column position -> (key, question as the survey printed it)
    2: (
        "q1",
        "When you think about the present and future impact of data and AI on humanity, "
        "are you overall positive or negative? Please tell us why",
    ),
    10: ("q2_8", "Other: please add what concerns you in the field of data science and AI"),
    32: (
        "q5a",
        "Considering real-world implementation of AI and data-heavy tools as a whole "
        "(too quickly / about right / too slowly), please explain your response",
    ),
}
N_SO = 580
MIN_WORDS, MAX_WORDS = 3, 80


def clean(text: object) -> str:
    return re.sub(r"[\t\r\n]+", " ", str(text)).strip()


def eligible(text: str) -> bool:
    return MIN_WORDS <= len(text.split()) <= MAX_WORDS


def split_of(row_id: str) -> str:
    """The other sets' rule on the respondent: a DataKind respondent's answers to several
    questions share one split (``datakind2019-r<n>``), so no test answer's writer is in dev."""
    key = re.sub(r"^(datakind2019-r\d+)-\w+$", r"\1", row_id)
    return "test" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 10 < 4 else "dev"


def _row(row_id: str, source: str, question: str, text: object) -> list[dict]:
    """The answer as a row, or none when it is not of an eligible length."""
    t = clean(text)
    return (
        [{"id": row_id, "source": source, "question": question, "text": t}] if eligible(t) else []
    )


def so_rows(path: str) -> list[dict]:
    import rdata

    df = rdata.read_rds(path)
    df = df.sort_values("ResponseId")
    rows = []
    for rid, text in zip(df["ResponseId"], df["SOAI"], strict=True):
        if pd.isna(text):
            continue
        rows.extend(_row(f"so2023-{int(rid)}", "so2023_soai", SO_QUESTION, text))
    return random.Random(20261204).sample(rows, N_SO)


def datakind_rows(path: str) -> list[dict]:
    raw = pd.read_csv(path, header=None, dtype=str)
    rows = []
    for r in range(2, len(raw)):  # rows 0-1 are the question headers
        for col, (key, question) in DATAKIND.items():
            value = raw.iloc[r, col]
            if pd.isna(value):
                continue
            rows.extend(_row(f"datakind2019-r{r - 1}-{key}", "datakind_2019", question, value))
    return rows


def main() -> None:
    rows = so_rows(sys.argv[1]) + datakind_rows(sys.argv[2])
    # Plain tab-joined lines (read back with csv.QUOTE_NONE): the text has no tab or newline.
    print("id\tsource\tquestion\ttext\tsplit")
    for row in rows:
        fields = [row["id"], row["source"], row["question"], row["text"], split_of(row["id"])]
        print("\t".join(fields))


if __name__ == "__main__":
    main()
