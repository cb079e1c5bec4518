"""Word lists from installed packages: known parts of speech, and refusal when altered."""

from __future__ import annotations

import sys

import pytest

from analysis import lexicons, sentiment


@pytest.mark.parametrize(
    ("word", "noun"),
    [
        ("process", True), ("requirements", True), ("mentorship", True), ("moment", True),
        ("kubecon", True), ("copilot", True),  # unknown to the lexicon: a name
        ("continue", False), ("consider", False), ("reasonable", False), ("different", False),
        ("manually", False), ("applied", False), ("new", False),
    ],
)  # fmt: skip
def test_can_be_noun_known_values(word, noun):
    assert lexicons.can_be_noun(word) is noun


def test_every_packaged_file_matches_its_pinned_checksum():
    for package, name in lexicons.PACKAGED:
        assert lexicons.read_bytes(package, name)
    assert len(sentiment.base_lexicon()) == 7506  # VADER 3.3.2's entries, read after the check


def test_an_altered_word_list_is_refused_with_what_to_reinstall(monkeypatch):
    key = ("vaderSentiment", "vader_lexicon.txt")
    monkeypatch.setitem(lexicons.PACKAGED, key, "0" * 64)
    with pytest.raises(lexicons.LexiconError, match=r"checksum differs.*vaderSentiment==3.3.2"):
        lexicons.read_text(*key)


def test_a_missing_package_is_refused_with_what_to_install(monkeypatch):
    monkeypatch.setitem(lexicons.PACKAGED, ("not_a_package_xyz", "words.txt"), "0" * 64)
    monkeypatch.setitem(lexicons._PINS, "not_a_package_xyz", "not_a_package_xyz==1")
    with pytest.raises(lexicons.LexiconError, match="is missing"):
        lexicons.read_bytes("not_a_package_xyz", "words.txt")


def test_lemminflect_that_cannot_be_imported_is_refused_with_what_to_reinstall(monkeypatch):
    monkeypatch.setitem(sys.modules, "lemminflect.codecs.LemmaLUCodec", None)
    lexicons._lemma_table.cache_clear()
    try:
        with pytest.raises(lexicons.LexiconError, match=r"lemminflect==0\.2\.3"):
            lexicons.can_be_noun("process")
    finally:
        lexicons._lemma_table.cache_clear()
