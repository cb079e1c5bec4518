"""AppTest of the theme controls on the Comments page: fewer <-> more, rename, merge, concerns."""

from __future__ import annotations

import pytest

from analysis import embeddings, pipeline
from analysis.themes import ThemeProject, dump_project, load_project
from tests.app.conftest import Ready, seeded_app
from ui import state


def _prepared(at, r: Ready):
    return at.session_state[state.PREPARED][r.dataset.key]


def _slider(at):
    return next(s for s in at.select_slider if s.label == "Number of themes")


def test_fewer_more_control_refits_the_themes(small: Ready) -> None:
    at = seeded_app(small, "app_pages/comments.py")
    assert not at.exception
    before = _prepared(at, small).theme_model
    assert before.granularity == 0.0 and _slider(at).value == 0.0
    _slider(at).set_value(1.0).run()
    assert not at.exception
    after = _prepared(at, small).theme_model
    assert after is not before and after.granularity == 1.0
    assert after.n_themes_ >= before.n_themes_
    # the page shows the refitted themes, and comments carry the new theme numbers
    assert len(at.dataframe[0].value) == after.n_themes_
    _slider(at).set_value(-1.0).run()
    assert not at.exception
    assert _prepared(at, small).theme_model.n_themes_ <= after.n_themes_


def test_rename_merge_and_a_new_concern_are_kept_in_the_settings_file(small: Ready) -> None:
    at = seeded_app(small, "app_pages/comments.py")
    at.text_input[0].set_value("Learning the tools")
    next(b for b in at.button if b.label == "Rename").click().run()
    assert not at.exception
    names = at.session_state[state.THEME_NAMES][small.dataset.key]
    assert "Learning the tools" in names.values()
    themes = at.dataframe[0].value
    merge_from = next(s for s in at.selectbox if s.label == "Merge theme")
    last = pipeline.analyze(_prepared(at, small), by=["team"]).themes["theme"].iloc[-1]
    merge_from.set_value(int(last))
    next(b for b in at.button if b.label == "Merge").click().run()
    assert not at.exception
    assert len(at.dataframe[0].value) == len(themes) - 1
    labels = [d.proto.label for d in at.get("download_button")]
    assert "Download theme settings (YAML)" in labels
    # the settings file the page writes holds the edits and reads back
    model = _prepared(at, small).theme_model
    project = ThemeProject(
        codebook=model.codebook,
        granularity=model.granularity,
        names=at.session_state[state.THEME_NAMES][small.dataset.key],
        merges=at.session_state[state.THEME_MERGES][small.dataset.key],
    )
    again = load_project(dump_project(project))
    assert "Learning the tools" in again.names.values() and again.merges

    n_concerns = len(model.codebook.concerns)
    form_inputs = {t.label: t for t in at.text_input}
    form_inputs["New concern"].set_value("Rota and shifts")
    form_inputs["What it covers (one sentence)"].set_value("Shift patterns and rotas.")
    next(t for t in at.text_area if t.label.startswith("How people")).set_value(
        "My shifts change every week\nThe rota is published too late"
    )
    form_inputs["Words that name it (optional, comma-separated)"].set_value("rota*, shift*,")
    next(b for b in at.button if b.label == "Add concern").click().run()
    assert not at.exception
    model = _prepared(at, small).theme_model
    assert len(model.codebook.concerns) == n_concerns + 1
    assert model.codebook.concerns[-1].label == "Rota and shifts"
    assert model.codebook.concerns[-1].terms == ("rota*", "shift*")
    # a refit renumbers discovered themes: their edits are dropped rather than misapplied,
    # and said; a renamed known concern keeps its name, found again by its concern
    kept = at.session_state[state.THEME_NAMES].get(small.dataset.key, {})
    assert set(kept.values()) <= {"Learning the tools"}
    for theme in kept:
        assert theme in model.concerns_
    assert embeddings.available() or model.engine_ == "lexical"


def test_talk_that_is_not_a_concern_joins_the_codebook_and_refits(small: Ready) -> None:
    at = seeded_app(small, "app_pages/comments.py")
    model = _prepared(at, small).theme_model
    before = model.codebook.background
    area = next(t for t in at.text_area if t.label.startswith("Talk that is not a concern"))
    area.set_value("I use it to draft emails\n\nI use it to draft emails\nWe use it for rotas")
    next(b for b in at.button if b.label == "Add as not a concern").click().run()
    assert not at.exception
    after = _prepared(at, small).theme_model
    assert after is not model  # refitted
    assert after.codebook.background == (*before, "I use it to draft emails", "We use it for rotas")
    guided = sum(k == "guided" for k in after.kinds_.values())
    assert guided <= sum(k == "guided" for k in model.kinds_.values())
    # the settings file keeps them
    again = load_project(dump_project(ThemeProject(codebook=after.codebook)))
    assert again.codebook.background == after.codebook.background


def _names(at, r: Ready) -> dict:
    return (
        at.session_state[state.THEME_NAMES].get(r.dataset.key, {})
        if (state.THEME_NAMES in at.session_state)
        else {}
    )


def _add_concern(at, label: str, example: str, terms: str = "") -> None:
    form_inputs = {t.label: t for t in at.text_input}
    form_inputs["Words that name it (optional, comma-separated)"].set_value(terms)
    form_inputs["New concern"].set_value(label)
    form_inputs["What it covers (one sentence)"].set_value(f"{label}.")
    next(t for t in at.text_area if t.label.startswith("How people")).set_value(example)
    next(b for b in at.button if b.label == "Add concern").click().run()


def _merge(at, src: int, dst: int) -> None:
    next(s for s in at.selectbox if s.label == "Merge theme").set_value(src)
    next(s for s in at.selectbox if s.label == "into").set_value(dst)
    next(b for b in at.button if b.label == "Merge").click().run()


def test_merges_chain_and_two_themes_cannot_share_a_name(small: Ready) -> None:
    """A fifth review: "A into B" then "B into C" left A's comments under B's name, alone; a
    rename to another theme's name counted both themes' second mentions twice."""
    at = seeded_app(small, "app_pages/comments.py")
    table = pipeline.analyze(_prepared(at, small), by=["team"]).themes
    a, b, c = (int(t) for t in table["theme"].iloc[:3])
    size = dict(zip(table["theme"].astype(int), table["size"], strict=True))
    _merge(at, a, b)
    _merge(at, b, c)
    assert not at.exception
    shown = at.dataframe[0].value.set_index("label")["size"]
    assert int(shown.max()) == size[a] + size[b] + size[c]
    assert len(shown) == len(table) - 2
    # renaming a theme to the name another theme has is refused, with the way out said
    other = str(at.dataframe[0].value["label"].iloc[1])
    at.text_input[0].set_value(other.upper())
    next(x for x in at.button if x.label == "Rename").click().run()
    assert not at.exception
    assert any("Merge the two themes instead" in e.value for e in at.error)
    assert not _names(at, small)


def test_new_concerns_never_replace_each_other_and_errors_are_plain(small: Ready) -> None:
    """A fifth review: "Rota shifts" replaced "Rota & shifts" (one slug), a label without
    a-z gave every such concern one id, and a duplicate showed pydantic's internals."""
    at = seeded_app(small, "app_pages/comments.py")
    n = len(_prepared(at, small).theme_model.codebook.concerns)
    _add_concern(at, "Rota & shifts", "My shifts change every week")
    _add_concern(at, "Rota shifts", "The rota is published too late")
    _add_concern(at, "Дежурства", "График меняется каждую неделю")
    _add_concern(at, "Смены", "Смены ставят слишком поздно")
    assert not at.exception
    concerns = _prepared(at, small).theme_model.codebook.concerns
    assert len(concerns) == n + 4
    assert {"Rota & shifts", "Rota shifts", "Дежурства", "Смены"} <= {c.label for c in concerns}
    _add_concern(at, "Skills and training", "More courses please")
    assert not at.exception
    said = " ".join(e.value for e in at.error)
    assert "already" in said or "two concerns have the label" in said
    assert "pydantic" not in said and "input_value" not in said
    assert len(_prepared(at, small).theme_model.codebook.concerns) == n + 4
    _add_concern(at, "Pay", "Our pay is too low", terms="pay|wage")
    assert not at.exception
    said = " ".join(e.value for e in at.error).replace("\\", "")  # shown as escaped Markdown
    assert "a term is words of letters" in said and "'pay|wage'" in said
    assert len(_prepared(at, small).theme_model.codebook.concerns) == n + 4


def test_fewer_or_more_keeps_the_sidebar_filters(small: Ready) -> None:
    """A fifth review: the refit cleared the filters, and the filtered page quietly showed
    every comment again."""
    at = seeded_app(small, "app_pages/comments.py")
    boxes = [m for m in at.multiselect if m.key and m.key.startswith(state.FILTER_PREFIX)]
    box = next(m for m in boxes if len(m.options) > 2)
    box.set_value([box.options[0]]).run()
    before = at.caption[0].value
    _slider(at).set_value(1.0).run()
    assert not at.exception
    assert at.session_state[box.key] == [box.options[0]]
    assert at.caption[0].value == before


def test_a_settings_file_applies_only_to_the_themes_it_was_made_for(small: Ready) -> None:
    """A fifth review: names and merges were keyed by theme number only, so a file saved on
    one upload renamed and merged other themes of another. The file now keeps each edited
    theme's automatic label; an edit whose theme has another label here is skipped, and
    said. Bounds: an unbounded theme number had crashed every page."""
    at = seeded_app(small, "app_pages/comments.py")
    model = _prepared(at, small).theme_model
    auto = dict(zip(model.themes_["theme"], model.themes_["label"], strict=True))
    first, second = (int(t) for t in list(auto)[:2])
    project = ThemeProject(
        codebook=model.codebook,
        granularity=model.granularity,
        names={first: "Ours", second: "Not this one"},
        labels={first: str(auto[first]), second: "a theme of another upload"},
    )
    at.file_uploader(key="cr_theme_settings_upload").upload(
        "theme_settings.yaml", dump_project(project).encode("utf-8")
    )
    at.run()
    next(b for b in at.button if b.label == "Apply these settings").click().run()
    assert not at.exception
    assert _names(at, small) == {first: "Ours"}
    assert any("1 rename(s) or merge(s)" in i.value for i in at.info)
    # a file with a theme number no fit has is refused with a sentence, nothing crashes
    at.file_uploader(key="cr_theme_settings_upload").upload(
        "bad.yaml", b"names: {99999999999999999999: Pay}\n"
    )
    at.run()
    next(b for b in at.button if b.label == "Apply these settings").click().run()
    assert not at.exception
    assert any("less than 10000" in e.value for e in at.error)


def test_notices_of_one_action_are_all_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading a settings file refits the themes (a notice: edits dropped) and then applies the
    file's edits (a notice: edits skipped); the second had overwritten the first."""
    store: dict = {}
    monkeypatch.setattr(state, "_store", lambda: store)
    assert state.pop_notice() is None
    state.set_notice("The themes were refitted: 1 rename dropped.")
    state.set_notice("2 rename(s) in the settings file were skipped.")
    state.set_notice("2 rename(s) in the settings file were skipped.")  # said once
    assert state.pop_notice() == (
        "The themes were refitted: 1 rename dropped.\n\n"
        "2 rename(s) in the settings file were skipped."
    )
    assert state.pop_notice() is None
