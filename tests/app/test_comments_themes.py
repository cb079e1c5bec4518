"""AppTest of the theme controls on the Comments page: fewer <-> more, rename, merge, concerns."""

from __future__ import annotations

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
    next(b for b in at.button if b.label == "Add concern").click().run()
    assert not at.exception
    model = _prepared(at, small).theme_model
    assert len(model.codebook.concerns) == n_concerns + 1
    assert model.codebook.concerns[-1].label == "Rota and shifts"
    # a refit names other themes, so the old edits are dropped rather than misapplied
    assert not at.session_state[state.THEME_NAMES].get(small.dataset.key)
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
