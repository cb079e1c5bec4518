"""The command line: JSON contracts, exit codes and one-line errors (never a traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "ai_pulse_qualtrics.csv"

REAL_FORMATS = [
    ("qualtrics_sample_qualtRics.csv", "qualtrics", 1),
    ("qualtrics_sample_legacy_qualtRics.csv", "qualtrics_legacy", 1),
    ("surveymonkey_ggwash_anc2022_export.csv", "surveymonkey", 174),
    # 65 rows read; 23 answered no rated or open question: the 42 an analysis reads
    ("limesurvey_results-survey945827_codes.csv", "limesurvey", 42),
    ("ibm_hr_employee_attrition.csv", "generic", 1470),
]


def run_json(capsys, *argv: str) -> dict:
    code = main(list(argv))
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


@pytest.mark.parametrize(("name", "fmt", "rows"), REAL_FORMATS)
def test_inspect_real_exports(capsys, real_dir, name, fmt, rows):
    data = run_json(capsys, "inspect", str(real_dir / name), "--json")
    assert data["format"] == fmt
    assert data["rows"] == rows
    assert {"name", "role", "scale"} <= set(data["columns"][0])
    assert isinstance(data["warnings"], list)


def test_inspect_ibm_roles(capsys, real_dir):
    data = run_json(capsys, "inspect", str(real_dir / "ibm_hr_employee_attrition.csv"), "--json")
    roles = {c["name"]: c["role"] for c in data["columns"]}
    assert roles["Department"] == "team"
    assert roles["JobRole"] == "role"
    for col in ("EnvironmentSatisfaction", "JobSatisfaction", "RelationshipSatisfaction"):
        assert roles[col] == "item"


def test_inspect_text_output_lists_columns(capsys):
    assert main(["inspect", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "format:  qualtrics" in out
    assert "TR1" in out


def test_inspect_text_output_shows_suggested_constructs(capsys, tmp_path):
    """Another organisation's wording: what each item seems to measure is printed beside it,
    and said not to be used until a mapping gives it."""
    worry, pay = "I worry that AI could take over my job", "I am satisfied with my pay"
    output = "I trust the AI tools' output"  # two readings a few hundredths apart
    rows = [
        "Team,I feel sure my skills will still be needed as AI use grows,"
        + f"{worry},{pay},{output} (1-5)"
    ]
    rows += [
        f"T{i % 3},{1 + i % 5},{1 + (i * 2) % 5},{1 + (i * 3) % 5},{1 + (i * 4) % 5}"
        for i in range(30)
    ]
    f = tmp_path / "own.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["inspect", str(f)]) == 0
    out = capsys.readouterr().out
    lines = {line.split("  ")[0]: line for line in out.splitlines()}
    assert "fear_of_displacement (0." in lines[worry]
    assert (
        "fear_of_displacement, reversed (0."
        in lines["I feel sure my skills will still be needed as AI use grows"]
    )
    assert "(0." not in lines[pay]  # nothing close enough
    assert "trust_in_ai (0.82) or ai_skills_confidence (0.82)" in lines[output + " (1-5)"]
    assert " or " not in lines[worry]
    assert "not used until a mapping gives it" in out


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"", "empty"), (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "PNG")],
)
def test_unusable_input_exits_2_with_one_error_line(tmp_path, content, needle):
    f = tmp_path / "survey.xlsx"
    f.write_bytes(content)
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "inspect", str(f)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:")
    assert needle.lower() in lines[0].lower()
    assert "Traceback" not in proc.stderr


def test_missing_file_is_a_clear_error(capsys, tmp_path):
    assert main(["score", str(tmp_path / "nope.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "no such file" in err


@pytest.fixture(scope="module")
def score_json() -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "score", str(SAMPLE), "--by", "team", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(proc.stdout)


def test_score_json_contract(score_json):
    org = score_json["org"]
    assert org["n"] == 1200
    for key in ("trust_in_ai", "fear_of_displacement", "change_readiness"):
        assert {"score", "favorable", "alpha"} <= set(org[key])
    groups = score_json["groups"]
    assert groups, "no groups"
    for g in groups:
        assert {"group", "n", "suppressed"} <= set(g)
        assert isinstance(g["group"], dict)


def test_suppressed_groups_carry_no_numbers(score_json):
    hidden = [g for g in score_json["groups"] if g["suppressed"]]
    assert hidden, "the sample has teams under 5 people"
    for g in hidden:
        assert g["n"] is None
        assert not any(isinstance(v, dict) for v in g.values() if v is not g["group"])


def test_visible_groups_carry_scores(score_json):
    visible = [g for g in score_json["groups"] if not g["suppressed"]]
    for g in visible:
        cell = g["trust_in_ai"]
        assert {"score", "ci_low", "ci_high", "favorable", "diff_vs_rest", "p_adj"} <= set(cell)
        assert cell["ci_low"] <= cell["score"] <= cell["ci_high"]


def test_hotspots_json_contract(capsys):
    data = run_json(capsys, "hotspots", str(SAMPLE), "--by", "team", "--json")
    assert data["min_n"] == 5  # the minimum the flags were computed at
    assert data["flags"]
    for f in data["flags"]:
        assert {"group", "type", "constructs", "priority", "reason", "actions"} <= set(f)
        assert f["type"] in {"change_management", "training"}
    assert data["drivers"]
    labels = {f["group_label"] for f in data["flags"]}
    assert "Customer Support" in labels


def test_hotspots_by_three_columns_keeps_each_groupings_flags(capsys):
    """hotspots crosses its --by columns itself; a crossing of three into mostly small groups
    is refused (too fine to protect), which had thrown away every grouping's own flags."""
    data = run_json(
        capsys, "hotspots", str(SAMPLE), "--by", "team", "--by", "role", "--by", "Location",
        "--json",
    )  # fmt: skip
    assert {f["grouping"] for f in data["flags"]} >= {"Team"}
    assert any(
        w.startswith("No crossed hot spots: Results by Team × Role × Location")
        for w in data["warnings"]
    )


def test_min_n_below_three_is_refused(capsys):
    assert main(["score", str(SAMPLE), "--min-n", "2"]) == 2
    assert "can't be below 3" in capsys.readouterr().err


def test_sentiment_reads_stdin_lines():
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "sentiment"],
        input="Great team and flexible hours\nNobody showed us how to use it, total chaos\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 2
    assert rows[0]["label"] == "positive" and rows[0]["compound"] > 0
    assert rows[1]["label"] == "negative" and rows[1]["compound"] < 0


def test_report_writes_packs_for_the_chosen_teams(tmp_path, capsys):
    out = tmp_path / "packs"
    code = main(
        [
            "report",
            str(SAMPLE),
            "--by",
            "team",
            "--team",
            "Internal Audit",
            "--out",
            str(out),
            "--format",
            "csv,xlsx",
            "--json",
        ]
    )
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["min_n"] == 5
    files = doc["files"]
    assert any(f.endswith("overview.xlsx") for f in files)
    assert (out / "teams" / "internal-audit" / "internal-audit.xlsx").is_file()
    assert not any(f.endswith(".html") for f in files)
    # Internal Audit has 4 people: its manager pack holds the notice, not numbers.
    scores = (out / "teams" / "internal-audit" / "internal-audit_scores.csv").read_text("utf-8-sig")
    assert "fewer than 5" in scores


def test_report_unknown_team_lists_valid_names(tmp_path, capsys):
    assert main(["report", str(SAMPLE), "--team", "Nope", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Customer Support" in err


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, capsys, monkeypatch):
    from pathlib import Path as P

    big = tmp_path / "huge.csv"
    with big.open("wb") as f:  # sparse: 60 MB on paper, nothing on disk
        f.truncate(60_000_000)

    def never(self):
        raise AssertionError(f"{self} was read before its size was checked")

    monkeypatch.setattr(P, "read_bytes", never)
    for argv in (["inspect", str(big)], ["compare", str(big), str(big)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "60.0 MB, more than the 50.0 MB limit" in err and "--max-mb" in err
    assert main(["inspect", str(big), "--max-mb", "1"]) == 2
    assert "more than the 1.0 MB limit" in capsys.readouterr().err


def test_row_and_size_limits_can_be_raised_on_the_command_line(tmp_path, capsys):
    """The default limits refuse a big file with a message naming the option; --max-rows and
    --max-mb raise them (cells and unpacked bytes in proportion), never below 1."""
    from analysis.cli.plumbing import _limits
    from analysis.ingest import DEFAULT_LIMITS

    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines()
    head = 3  # the Qualtrics export's three header rows
    small = tmp_path / "small.csv"
    small.write_text("\n".join(lines[: head + 60]) + "\n", encoding="utf-8")
    assert main(["inspect", str(small), "--max-rows", "50"]) == 2
    assert "more than 50 rows" in capsys.readouterr().err
    assert run_json(capsys, "inspect", str(small), "--max-rows", "100", "--json")["rows"] == 60
    assert main(["inspect", str(small), "--max-mb", "1", "--json"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["inspect", str(small), "--max-rows", "0"])
    assert exc.value.code == 2

    # the wave commands read their files through the same limits
    assert main(["compare", str(small), str(small), "--max-rows", "50"]) == 2
    assert "more than 50 rows" in capsys.readouterr().err
    assert main(["pilot", str(small), "--pilot", "Sales", "--max-rows", "50"]) == 2
    assert "more than 50 rows" in capsys.readouterr().err

    assert _limits(None, None) is None
    big = _limits(1_000_000, 700)
    assert (big.max_rows, big.max_bytes) == (1_000_000, 700_000_000)
    assert big.max_cells >= DEFAULT_LIMITS.max_cells * 3
    assert big.max_uncompressed_bytes >= 12 * 700_000_000
    assert _limits(None, 10).max_rows == DEFAULT_LIMITS.max_rows
    wide = _limits(None, 500)  # ten times the bytes: ten times the cells, the rows unchanged
    assert wide.max_cells == DEFAULT_LIMITS.max_cells * 10


def test_text_tables_print_counts_whole_and_reliability_to_two_places(capsys):
    """n is a count (it had printed as "1200.0" beside a hidden group's missing cell), and
    alpha needs two places (0.85 and 0.94 are not both "0.9")."""
    assert main(["score", str(SAMPLE), "--by", "team"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[1].split()
    assert header[:2] == ["label", "n"] and header[-1] == "alpha"
    org = [line.rsplit(None, 6) for line in lines[2:8]]
    for _label, n, *_rest, alpha in org:
        assert n.isdigit() and int(n) > 0
        assert len(alpha.split(".")[1]) == 2
    grouped = [line for line in lines if line.startswith("Customer Support")]
    assert grouped and grouped[0].split()[2].isdigit()


def test_comments_and_packs_read_the_apps_theme_settings(capsys, tmp_path):
    """The settings file saved on the Comments page (codebook, number of themes, renames,
    merges) gives the CLI's comments and packs the same themes; an edit made for a theme this
    fit does not have is skipped and said (a fifth review: CLI packs ignored HR's edits)."""
    from analysis import pipeline
    from analysis.themes import ThemeProject, dump_project

    export, colmap = pipeline.load(SAMPLE.read_bytes(), SAMPLE.name)
    prep = pipeline.read(pipeline.prepare(export, colmap, source_name=SAMPLE.name))
    model = prep.theme_model
    auto = dict(zip(model.themes_["theme"], model.themes_["label"], strict=True))
    first, second, third = (int(t) for t in list(auto)[:3])
    project = ThemeProject(
        codebook=model.codebook,
        granularity=model.granularity,
        names={first: "Our first theme", third: "Made for another upload"},
        merges={second: first},
        labels={first: str(auto[first]), second: str(auto[second]), third: "not this one"},
    )
    path = tmp_path / "theme_settings.yaml"
    path.write_text(dump_project(project), encoding="utf-8")
    assert main(["comments", str(SAMPLE), "--theme-settings", str(path), "--json"]) == 0
    out, err = capsys.readouterr()
    themes = {t["label"]: t["size"] for t in json.loads(out)["themes"]}
    sizes = dict(zip(model.themes_["label"], model.themes_["size"], strict=True))
    assert themes["Our first theme"] == sizes[auto[first]] + sizes[auto[second]]
    assert "Made for another upload" not in themes and str(auto[third]) in themes
    assert "1 rename(s) or merge(s)" in err
    packs = tmp_path / "packs"
    assert main(["report", str(SAMPLE), "--out", str(packs), "--format", "csv", "--quiet",
                 "--theme-settings", str(path)]) == 0  # fmt: skip
    capsys.readouterr()
    overview = (packs / "overview" / "comments.csv").read_text(encoding="utf-8-sig")
    assert "Our first theme" in overview and "Made for another upload" not in overview
    bad = tmp_path / "bad.yaml"
    bad.write_text("names: {99999999999999999999: Pay}\n", encoding="utf-8")
    assert main(["comments", str(SAMPLE), "--theme-settings", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "10000" in err
