"""The shipped data files: read through importlib.resources, and a malformed one is refused
with a DataFileError that names the file and the entry to fix."""

from __future__ import annotations

import pytest

from analysis import datafiles, scales
from analysis.columns import vocabulary
from analysis.datafiles import DataFileError, read_yaml, section, string_list
from analysis.ingest import layouts


def test_shipped_files_load_whatever_the_working_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("scales.yaml", "header_vocabulary.yaml", "platform_signatures.yaml"):
        assert isinstance(read_yaml(name), dict)


def test_missing_file_is_named() -> None:
    with pytest.raises(DataFileError, match=r"analysis/data/nope\.yaml cannot be read"):
        read_yaml("nope.yaml")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "must be a non-empty list"),
        ([], "must be a non-empty list"),
        ("team", "must be a non-empty list"),
        (["yes", False], "holds False, not a non-empty string: quote it"),
        (["a", " "], "holds ' ', not a non-empty string"),
        (["a", "b", "a"], "lists 'a' more than once"),
    ],
)
def test_string_list_refuses_what_would_silently_change_matching(value, message) -> None:
    with pytest.raises(DataFileError, match=message):
        string_list(value, "f.yaml: words")


def test_string_list_keeps_file_order() -> None:
    assert string_list(["b", "a", "c"], "f.yaml: x") == ("b", "a", "c")


def test_section_must_be_a_map() -> None:
    assert section({"a": {"x": 1}}, "a", "f.yaml") == {"x": 1}
    for doc in ({"a": [1]}, {}, ["a"], None):
        with pytest.raises(DataFileError, match=r"f\.yaml: 'a' must be a map"):
            section(doc, "a", "f.yaml")


def _vocabulary_with(monkeypatch, **changes) -> None:
    doc = dict(datafiles.read_yaml("header_vocabulary.yaml"), **changes)
    monkeypatch.setattr(vocabulary, "read_yaml", lambda name: doc)
    vocabulary._load()


def test_vocabulary_as_shipped_is_what_inference_uses() -> None:
    assert vocabulary._load()["team"] == vocabulary._TEAM
    assert vocabulary._TEAM[:2] == ("team", "department")  # order is the team priority


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"team": ["Business Unit"]}, r"team holds 'Business Unit', .* as 'business unit'"),
        ({"role": ["job-title"]}, r"role holds 'job-title', .* as 'job title'"),
        ({"rating": ["agree", "agree"]}, "rating lists 'agree' more than once"),
        ({"comment": []}, "comment must be a non-empty list"),
        ({"teams": ["squad"]}, r"unknown list\(s\) teams"),
    ],
)
def test_malformed_vocabulary_is_refused(monkeypatch, changes, message) -> None:
    with pytest.raises(DataFileError, match=message):
        _vocabulary_with(monkeypatch, **changes)


def test_vocabulary_list_missing_is_refused(monkeypatch) -> None:
    doc = dict(datafiles.read_yaml("header_vocabulary.yaml"))
    del doc["identity"]
    monkeypatch.setattr(vocabulary, "read_yaml", lambda name: doc)
    with pytest.raises(DataFileError, match="identity must be a non-empty list"):
        vocabulary._load()


def _signatures_with(monkeypatch, platform: str, **changes) -> None:
    doc = datafiles.read_yaml("platform_signatures.yaml")
    doc[platform] = dict(doc[platform], **changes)
    monkeypatch.setattr(layouts, "read_yaml", lambda name: doc)
    layouts._load_signatures()


@pytest.mark.parametrize(
    ("platform", "changes", "message"),
    [
        ("qualtrics", {"min_tags": 0}, "qualtrics.min_tags must be a whole number"),
        ("qualtrics", {"min_tags": True}, "qualtrics.min_tags must be a whole number"),
        ("google_forms", {"timestamp": ["Timestamp"]}, "'Timestamp' in lower case"),
        ("surveymonkey", {"extra": ["x"]}, "surveymonkey must have exactly meta, min_meta"),
        ("limesurvey", {"meta": "id"}, "limesurvey.meta must be a non-empty list"),
    ],
)
def test_malformed_platform_signatures_are_refused(monkeypatch, platform, changes, message):
    with pytest.raises(DataFileError, match=message):
        _signatures_with(monkeypatch, platform, **changes)


def test_platform_signatures_as_shipped() -> None:
    loaded = layouts._load_signatures()
    assert loaded["qualtrics"]["min_tags"] == 4
    assert "zeitstempel" in loaded["google_forms"]["timestamp"]
    assert {"survey preview", "survey test", "spam", "preview spam"} <= layouts._PREVIEW_STATUS
    # an export with numeric values: 1 Survey Preview, 2 Survey Test, 8 Spam; 0 is a response
    assert {"1", "2", "8"} <= layouts._PREVIEW_STATUS and "0" not in layouts._PREVIEW_STATUS


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "agreement", "labels": ["No", False]}, "quote it"),
        ({"kind": "agreement", "labels": ["a", "b"], "values": [1]}, "one number per label"),
        ({"kind": "agreement", "labels": ["a", "b"], "values": [1, "2"]}, "must be a number"),
        ({"kind": "agreement", "labels": ["a", "b"], "aliases": {True: 1}}, "quoted answer"),
        ({"kind": "agreement", "labels": ["a", "b"], "favourable_min": 2}, "unknown key"),
        ({"labels": ["a", "b"]}, "kind must be a word"),
        ({"kind": "x", "labels": ["a", "b"], "unfavorable_max": float("nan")}, "a number"),
    ],
)
def test_malformed_builtin_scale_is_refused(spec, message) -> None:
    with pytest.raises(DataFileError, match=message):
        scales._builtin_scale("bad", spec)


def test_builtin_scale_from_data() -> None:
    scale = scales._builtin_scale(
        "yn", {"kind": "yesno", "labels": ["No", "Yes"], "values": [0, 1], "not_missing": ["NA"]}
    )
    assert scale.values == (0.0, 1.0)
    assert "na" not in scale.missing and "n/a" in scale.missing
    assert scales.SCALES["yesno"].value_of("Unsure") == 0.5  # not_missing in the shipped file
    assert set(scales._LABELLED_ORDER) <= set(scales.SCALES)
