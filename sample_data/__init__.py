"""Generated sample exports of the AI change pulse with planted, documented ground truth.

Regenerate with ``python -m sample_data.generate``; what is planted is in ``ground_truth.json``
and explained in ``README.md``.
"""

from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parent
#: The app's default dataset.
DEFAULT_DATASET = SAMPLE_DIR / "ai_pulse_qualtrics.csv"
GROUND_TRUTH = SAMPLE_DIR / "ground_truth.json"
