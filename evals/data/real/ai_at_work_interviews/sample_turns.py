"""Re-draw the rows of ``labels.tsv`` (ids, question, text, split) from the source transcripts.

Provenance check, not part of ChangeRadar: run it on the per-interview transcript files of
``servika/conversations-analysis`` at commit 4274973 (``output/source/*.md``, see SOURCES.md)
to confirm that every labelled row is the stated interviewee turn and that the sample is the
stated stratified random draw:

    python evals/data/real/ai_at_work_interviews/sample_turns.py <dir with 00001.md ...>

It prints the ids in the order they were drawn and checks them against labels.tsv.
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
import sys
from pathlib import Path

TURN = re.compile(r"^(Assistant|AI|User):[ \t]?", re.M)
SOURCE = {"work": "ai_workforce", "creativity": "ai_creatives", "science": "ai_scientists"}
JOBS_Q = r"replac|\bjobs?\b|displac|threat|competi|obsolete|redundan|livelihood|career"
CONCERN_Q = (
    r"concern|worr|replac|\bjobs?\b|trust|verif|accura|reliab|fear|anxi|threat|risk|uneasy|"
    r"hesita|ethic"
)
# (seed, use the round-2 strata, quotas in draw order); later rounds exclude earlier rows.
ROUNDS = (
    (20261202, False, {"A": 200, "B": 150, "C": 100, "D": 90, "E": 40, "F": 40}),
    (20261203, True, {"B1": 88, "B2": 100, "A": 250, "B": 170, "D": 120}),
    (20261204, True, {"A": 250, "D": 170, "B": 80}),
    (20261205, True, {"A": 1000}),
    (20261206, True, {"B": 1000, "C": 150}),
)


def turns(folder: Path) -> list[dict]:
    """Every interviewee turn: transcript id, turn number, preceding question line, text."""
    out = []
    for path in sorted(folder.glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        tid = re.search(r"\*\*Transcript ID:\*\* (\S+)", raw)
        parts = re.split(r"^---\s*$", raw, maxsplit=1, flags=re.M)
        if not tid or len(parts) < 2:
            continue
        body = parts[1].strip()
        marks = list(TURN.finditer(body))
        question, k = "", 0
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
            text = body[m.end() : end].strip()
            if m.group(1) == "User":
                k += 1
                out.append({"tid": tid.group(1), "turn": k, "q": question, "text": text})
            else:
                lines = [x.strip() for x in text.split("\n") if x.strip()]
                question = lines[-1] if lines else ""
    return out


def stratum(question: str, round_two: bool) -> str:
    q = question.lower()
    if "maintaining your skills" in q or "potentially take over" in q:
        return "A"
    if round_two and re.search(JOBS_Q, q):
        return "B1"
    if round_two and "what concerns" in q:
        return "B2"
    if re.search(CONCERN_Q, q):
        return "B"
    if "looking ahead" in q or "evolving" in q or "evolve" in q:
        return "C"
    if "satisfied or frustrated" in q or "frustrat" in q:
        return "D"
    if "anything else" in q:
        return "E"
    if "questions before we begin" in q or "sound good" in q or "taking notes" in q:
        return "X"
    return "F"


def draw(all_turns: list[dict]) -> list[dict]:
    eligible = [t for t in all_turns if 40 <= len(t["text"]) <= 1200]
    done: set[tuple[str, int]] = set()
    drawn = []
    for seed, round_two, quotas in ROUNDS:
        pools: dict[str, list[dict]] = {}
        for t in eligible:
            if (t["tid"], t["turn"]) not in done:
                pools.setdefault(stratum(t["q"], round_two), []).append(t)
        rng = random.Random(seed)
        picked = []
        for name, n in quotas.items():
            picked += rng.sample(pools[name], min(n, len(pools[name])))
        rng.shuffle(picked)
        done |= {(t["tid"], t["turn"]) for t in picked}
        drawn += picked
    return drawn


def row(t: dict) -> dict:
    rid = f"{t['tid']}-u{t['turn']}"
    test = int(hashlib.sha1(rid.encode()).hexdigest(), 16) % 10 < 4
    return {
        "id": rid,
        "source": SOURCE[t["tid"].split("_")[0]],
        "question": re.sub(r"[\t\r\n]", " ", t["q"]),
        "text": re.sub(r"[\t\r\n]", " ", t["text"]),
        "split": "test" if test else "dev",
    }


def main(folder: str) -> int:
    rows = [row(t) for t in draw(turns(Path(folder)))]
    for r in rows:
        print(r["id"])
    labels = Path(__file__).with_name("labels.tsv")
    with labels.open(encoding="utf-8") as f:
        labelled = {r["id"]: r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}
    same = all(r["id"] in labelled and all(labelled[r["id"]][c] == r[c] for c in r) for r in rows)
    ok = same and len(rows) == len(labelled)
    print(f"{len(rows)} drawn, {len(labelled)} labelled, identical: {ok}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
