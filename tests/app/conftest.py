"""A small prepared dataset shared by the AppTests, so most tests skip the slow prepare step."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import pipeline
from analysis.pipeline import Prepared
from sample_data.generate import generate_responses, qualtrics_csv
from ui import state

APP = Path(__file__).resolve().parents[2] / "app.py"
TIMEOUT = 120
INJECTION = (
    "Training please <b>bold</b><script>window.__x=1</script> "
    "[click](http://evil.example) ![x](http://evil.example/x.png) [here](javascript:alert(1))"
)


@dataclass(frozen=True)
class Ready:
    dataset: state.Dataset
    prepared: Prepared


def small_export(n: int = 300, seed: int = 11, comment: str | None = None) -> bytes:
    """A Qualtrics CSV from the sample generator; optionally one comment per team replaced."""
    frame: pd.DataFrame = generate_responses(n=n, seed=seed)
    if comment is not None:
        has_text = frame["OQ2"].notna()
        first_per_team = frame[has_text].groupby("team").head(3).index
        frame.loc[first_per_team, "OQ2"] = comment
    return qualtrics_csv(frame)


def ready(data: bytes, filename: str = "small_pulse.csv") -> Ready:
    ds = state.Dataset(data=data, filename=filename)
    export, colmap = pipeline.load(data, filename)
    return Ready(ds, pipeline.prepare(export, colmap, source_name=filename))


@pytest.fixture(scope="session")
def small() -> Ready:
    return ready(small_export(comment=INJECTION))


def seeded_app(r: Ready, page: str | None = None) -> AppTest:
    """An AppTest whose session already holds a prepared dataset (no upload, no prepare)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in state.seed(r.dataset, r.prepared).items():
        at.session_state[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def open_comment_tab(at: AppTest, label: str) -> AppTest:
    """Open a tab of the Comments page (only the open tab is drawn), as a click on it does."""
    at.session_state[state.StateKeys.COMMENT_TAB] = label
    return at.run()
