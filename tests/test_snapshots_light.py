"""The main screens again in a light theme (textual-light, set as `--theme` sets it), reached exactly as
in ``test_snapshots`` (the default dark theme) with the same frozen clocks and shuffles: colours that
only read on a dark background (a hard-coded white, an accent used as text, a plot line as pale as
the canvas) show up here. Refresh with ``make test-snapshot-update`` (it runs this file too) and read
the changed SVGs before committing them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from quizapp.ui import QuizApp

from . import test_ui_stats as stats
from .test_snapshots import (
    EXAM_BANK,
    SMALL,
    UI_BANK,
    Snap,
    app_for,
    exam_answered,
    exam_submitted,
    frozen,  # noqa: F401  (autouse: UTC, seeded shuffles, a run that takes 0.00 s)
    linked_simulation,
    press,
    settle,
    stored_exams,
    study_feedback,
    study_question,
    then,
)

LIGHT = "textual-light"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def light(bank: Path, data_dir: Path, **options: Any) -> QuizApp:
    """The snapshot app (frozen clocks) in the light theme."""
    app = app_for(bank, data_dir, theme=LIGHT, **options)
    assert app.theme == LIGHT
    return app


def test_home_light(snap_compare: Snap, data_dir: Path) -> None:
    assert snap_compare(light(UI_BANK, data_dir), terminal_size=SMALL, run_before=settle)


def test_study_question_light(snap_compare: Snap, data_dir: Path) -> None:
    assert snap_compare(light(UI_BANK, data_dir), terminal_size=SMALL, run_before=study_question)


def test_study_feedback_light(snap_compare: Snap, data_dir: Path) -> None:
    assert snap_compare(light(UI_BANK, data_dir), terminal_size=SMALL, run_before=study_feedback)


def test_simulation_light(snap_compare: Snap, data_dir: Path) -> None:
    """The linked simulation run to its verdict: plot lines, legend and verdict on the light canvas."""
    assert snap_compare(light(UI_BANK, data_dir), terminal_size=SMALL, run_before=linked_simulation)


def test_simulation_browser_light(snap_compare: Snap, data_dir: Path) -> None:
    assert snap_compare(light(UI_BANK, data_dir), terminal_size=SMALL, run_before=press("b"))


def test_keys_panel_light(snap_compare: Snap, data_dir: Path) -> None:
    assert snap_compare(light(UI_BANK, data_dir), terminal_size=SMALL, run_before=press("question_mark"))


def test_exam_light(snap_compare: Snap, data_dir: Path) -> None:
    app = light(EXAM_BANK, data_dir, start="exam", seed=1)
    assert snap_compare(app, terminal_size=SMALL, run_before=exam_answered)


def test_exam_results_light(snap_compare: Snap, data_dir: Path) -> None:
    app = light(EXAM_BANK, data_dir, start="exam", seed=1)
    assert snap_compare(app, terminal_size=SMALL, run_before=exam_submitted)


def test_history_light(snap_compare: Snap, data_dir: Path) -> None:
    stored_exams(EXAM_BANK, data_dir)
    assert snap_compare(light(EXAM_BANK, data_dir), terminal_size=SMALL, run_before=press("h"))


def test_stats_light(snap_compare: Snap, data_dir: Path) -> None:
    """The stats overview (the pass probability, the readiness bars) at the size of its dark snapshot."""
    stats.studied(data_dir)
    assert snap_compare(light(EXAM_BANK, data_dir), terminal_size=stats.LARGE, run_before=stats.open_stats)


def test_stats_accuracy_light(snap_compare: Snap, data_dir: Path) -> None:
    """The accuracy plot: each domain's line, and its legend, in a colour that stands out on the canvas."""
    stats.studied(data_dir)
    steps = then(stats.open_stats, press("2"))
    assert snap_compare(light(EXAM_BANK, data_dir), terminal_size=stats.LARGE, run_before=steps)
