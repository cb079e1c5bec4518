"""``comments`` and ``sentiment``: per-comment sentiment, signals and themes."""

from __future__ import annotations

import argparse
import json
import sys

from analysis.cli.plumbing import (
    EXIT_OK,
    _dump,
    _edits,
    _fmt,
    _policy,
    _prepare,
    _table,
    records,
)


def cmd_comments(args: argparse.Namespace) -> int:
    from analysis import pipeline

    prep = _prepare(args)
    res = pipeline.analyze(prep, by=args.by or None, policy=_policy(args), **_edits(args))
    from analysis.signals import SIGNALS

    rows = []
    # Per-comment output: the redacted text only, and only comments the privacy rules allow.
    shown = res.comments
    for r in shown.to_dict(orient="records"):
        rows.append(
            {
                "column": r["column"],
                "text": r["text"],
                "sentiment": r["compound"],
                "label": r["label"],
                "label_basis": r.get("label_basis", ""),
                "signals": [s for s in SIGNALS if r.get(s)],
                # the words each signal was found in ("" where they are withheld)
                "signal_phrases": dict(r.get("signal_phrases") or ()),
                "theme": r["theme_label"] or None,
            }
        )
    out = {
        "min_n": res.policy.min_group,
        "min_comments": res.policy.min_comments,
        "summary": res.comment_summary,
        "themes": records(res.themes),
        "comments": rows,
        "notes": res.notes,
        "alerts": res.alerts,
        "warnings": res.warnings,
    }
    if args.json:
        _dump(out)
        return EXIT_OK
    s = res.comment_summary
    print(
        f"{s['total']} comments: {s['filler']} filler, {s['not_english']} not in English, "
        f"{s['analysed']} analysed, {s['shown']} shown "
        f"(groups with >= {res.policy.min_comments} comments)"
    )
    if s.get("text_withheld"):
        print(pipeline.TEXTS_WITHHELD.format(n=s["text_withheld"]))
    if res.comments_withheld:  # why none is shown, when it is the view's size
        print(res.comments_withheld)
    if len(res.themes):
        print(_table(res.themes, ["theme", "label", "size", "mean_sentiment"]))
    print()
    if rows:
        print(
            "[label by what it comes from (model: the learned layer; lexicon: VADER with the "
            "workplace layer), lexicon score -1..1] [signals] [theme] comment"
        )
    for r in rows:
        sig = ",".join(r["signals"]) or "-"
        basis = r["label_basis"] or "-"
        score = _fmt(r["sentiment"], 2)
        head = f"[{r['label']:>8} by {basis}, lexicon {score:>5}] [{sig}] [{r['theme'] or '-'}]"
        print(f"{head} {r['text']}")
    return EXIT_OK


def cmd_sentiment(args: argparse.Namespace) -> int:
    from analysis.sentiment import score_texts

    lines = [line.rstrip("\n") for line in sys.stdin]
    scores = score_texts(lines)
    for r in scores.itertuples(index=False):
        sys.stdout.write(json.dumps({"compound": float(r.compound), "label": r.label}) + "\n")
    return EXIT_OK
