"""Loading a second wave beside the loaded survey (Trends and Pilot pages): the uploader next to
a sample button, and the load itself, scored with the loaded survey's instrument so the waves'
constructs are the same. One place, so both pages read waves and report bad files alike."""

from __future__ import annotations

from typing import Any

import streamlit as st

from analysis import waves
from analysis.ingest import IngestError
from analysis.pipeline import Prepared
from ui import views

#: The export types a wave may come as (the Load page's).
EXPORT_TYPES = ["csv", "tsv", "txt", "xlsx", "xlsm", "ods"]

__all__ = ["EXPORT_TYPES", "load", "picker"]


def picker(
    upload_label: str, upload_help: str, sample_label: str, sample_help: str
) -> tuple[Any, bool]:
    """The file uploader (left) and the sample button (right): the uploaded file, or None,
    and whether the sample was asked for on this run."""
    left, right = st.columns([3, 2])
    with left:
        upload = st.file_uploader(upload_label, type=EXPORT_TYPES, help=upload_help)
    with right:
        st.write("")
        sample = st.button(sample_label, help=sample_help)
    return upload, sample


def load(data: bytes, filename: str, label: str, prep: Prepared) -> waves.Wave | None:
    """One export as a wave scored with ``prep``'s survey; a file that can't be read is
    reported on the page (named) and gives None."""
    try:
        return waves.load_wave(data, filename, label=label, survey=prep.survey)
    except (IngestError, ValueError) as exc:
        views.error(f"{filename}: {exc}")
        return None
