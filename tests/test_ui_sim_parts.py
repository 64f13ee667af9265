"""The simulation screen's parts that need no app: axes and ticks, the header's layout, the fixed
fields a preset implies, how a form differs from a run, and the measured numbers' labels."""

from __future__ import annotations

import itertools
import math
from typing import Any, Literal

import pytest
from pydantic import Field, ValidationError, model_validator

import sims
from quizapp.ui.screens.sim_settings import Settings, differences
from quizapp.ui.widgets.param_rules import alternatives, fixed_fields, fixings, reason_of
from quizapp.ui.widgets.plot_axes import linear_ticks, log_ticks, tick_budget, tick_labels
from quizapp.ui.widgets.sim_header import header_lines
from quizapp.ui.widgets.sim_plot import MARKERS, style_of
from quizapp.ui.widgets.sim_tables import humanise, quantity_label

# -- ticks -----------------------------------------------------------------------------------------


def test_whole_ticks_on_an_axis_that_counts() -> None:
    ticks = linear_ticks(1, 50, 6, whole=True)
    assert ticks == [10, 20, 30, 40, 50]
    assert tick_labels(ticks, whole=True) == ["10", "20", "30", "40", "50"]
    assert linear_ticks(1, 8, 4, whole=True) == [2, 4, 6, 8]
    assert linear_ticks(1, 3, 10, whole=True) == [1, 2, 3]  # never 1.5 on a count
    assert all(t == int(t) for t in linear_ticks(0, 7, 20, whole=True))


def test_linear_ticks_are_round_inside_the_data_and_within_budget() -> None:
    for low, high, most in [(1, 17, 5), (4095, 131040, 6), (0.001, 0.0123, 5), (-3, 2.5, 8), (0, 1, 6)]:
        ticks = linear_ticks(low, high, most)
        assert 1 <= len(ticks) <= most
        assert all(
            low - 1e-12 <= t <= high + 1e-12 for t in ticks
        )  # never below the data: not on the axis line
        steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
        assert len(steps) <= 1
    assert tick_labels(linear_ticks(0, 100000, 5)) == ["0", "25000", "50000", "75000", "100000"]
    assert tick_labels(linear_ticks(0, 1, 3)) == ["0.0", "0.5", "1.0"]
    assert tick_labels([0.0, 2.5, 5.0]) == ["0.0", "2.5", "5.0"]


def test_log_ticks_use_one_two_five_when_few_decades_and_skip_decades_when_many() -> None:
    few = log_ticks(math.log10(256), math.log10(2048), 6)
    assert tick_labels(few, log=True) == ["500", "1000", "2000"]
    many = log_ticks(-22, -2, 12)
    assert len(many) <= 12 and tick_labels(many, log=True)[:2] == ["1e-22", "1e-20"]
    inside = log_ticks(math.log10(3.1), math.log10(3.9), 5)  # no 1-2-5 value inside: round linear values
    assert inside and all(3.1 <= 10**t <= 3.9 for t in inside)


def test_a_tall_plot_gets_more_y_ticks_than_a_short_one() -> None:
    assert tick_budget(60, 30)[1] >= 10
    assert tick_budget(60, 9)[1] <= 5
    assert len(linear_ticks(0, 1, tick_budget(60, 30)[1])) > len(linear_ticks(0, 1, tick_budget(60, 9)[1]))


def test_series_differ_by_marker_as_well_as_colour() -> None:
    styles = [style_of(i) for i in range(len(MARKERS))]
    assert len({s.marker for s in styles}) == len(styles)
    assert len({s.glyph for s in styles}) == len(styles)
    assert len({s.color for s in styles}) == len(styles)


# -- the header ------------------------------------------------------------------------------------

TITLE = "Sliding-window attention: reach grows linearly with depth"
LABEL = "Reach after 24 layers (98,280), short of 100,000"


@pytest.mark.parametrize("width", [40, 60, 78, 100, 118, 200])
def test_the_header_never_cuts_the_label(width: int) -> None:
    lines = header_lines(TITLE, LABEL, width)
    assert 1 <= len(lines) <= 2
    assert lines[0].cell_length <= width  # the title line is cut to fit; the label's line wraps
    assert LABEL in "".join(line.plain for line in lines)


def test_the_header_shortens_the_title_before_it_wraps() -> None:
    [line] = header_lines(TITLE, LABEL, 118)
    assert line.plain.endswith(f"  ·  {LABEL}") and "…" in line.plain
    first, second = header_lines(TITLE, LABEL, 78)  # too little title would be left: two lines
    assert first.plain == f"Simulation  {TITLE}" and second.plain == f"· {LABEL}"
    assert [line.plain for line in header_lines("Short", "label", 78)] == ["Simulation  Short  ·  label"]
    assert [line.plain for line in header_lines(TITLE, None, 78)] == [f"Simulation  {TITLE}"]


# -- fixed fields ----------------------------------------------------------------------------------


def test_a_preset_fixes_the_shape_fields_of_kv_cache_sizing() -> None:
    model = sims.get("kv-cache-sizing").Params
    shape = {"layers", "query_heads", "kv_heads", "head_dim"}
    for preset in ("llama-2-70b", "llama-3-8b", "mistral-7b"):
        fixed = fixings(model)[("model", preset)]
        assert set(fixed) == shape
        assert {f.frees for f in fixed.values()} == {"custom"}
        assert fixed["layers"].reason() == f"fixed by model={preset}; set model=custom to change"
    assert fixed_fields(model, {"model": "custom"}) == {}
    assert fixed_fields(model, model().model_dump())["layers"].fixed_at == 80


def test_a_cross_field_rule_fixes_nothing() -> None:
    # n_max > n_min refuses some values, but every field can still change
    assert fixings(sims.get("attention-quadratic-cost").Params) == {}


class Sized(sims.SimParams):
    """A size preset fixes width; 'free' lets the learner choose it."""

    size: Literal["small", "large", "free"] = "small"
    width: int = Field(4, ge=1, le=64)
    depth: int = Field(2, ge=1, le=8)

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: Any) -> Any:
        preset = {"small": 4, "large": 32}.get(data.get("size", "small"))
        if preset is not None:
            if "width" in data and data["width"] != preset:
                raise ValueError(f"width is {preset} for this size")
            data = {**data, "width": preset}
        return data


def test_fixed_fields_are_found_in_any_model_not_by_name() -> None:
    rules = fixings(Sized)
    assert set(rules) == {("size", "small"), ("size", "large")}
    assert rules[("size", "large")]["width"].fixed_at == 32
    assert rules[("size", "large")]["width"].frees == "free"
    assert "depth" not in rules[("size", "small")]
    assert alternatives(Sized.model_fields["depth"], 8) == [7, 4, 1]  # within its bounds only


def test_reasons_are_short() -> None:
    model = sims.get("cnn-receptive-field").Params
    with pytest.raises(ValidationError) as info:
        model(layers=99)
    assert reason_of(info.value) == "must be ≤ 24"
    with pytest.raises(ValidationError) as info:
        model(layers="")
    assert reason_of(info.value) == "needs a value"
    with pytest.raises(ValidationError) as info:
        model(layers="x")
    assert reason_of(info.value) == "must be a whole number"


# -- settings and differences ----------------------------------------------------------------------


def test_differences_name_what_changed_from_the_run() -> None:
    ran = {"layers": 12, "kernel": 3, "stride": 1, "seed": 0}
    assert differences(ran, ran) == ""
    assert differences(ran, {**ran, "layers": "99"}) == "layers 12 → 99"
    assert differences(ran, {**ran, "layers": ""}) == "layers 12 → (empty)"
    assert differences(ran, {**ran, "kernel": 3.0}) == ""  # the same number
    many = differences(ran, {"layers": 1, "kernel": 2, "stride": 2, "seed": 5})
    assert many == "layers 12 → 1, kernel 3 → 2, stride 1 → 2, +1 more"


def test_settings_name_the_question_defaults_and_counter() -> None:
    linked = Settings(sims.get("rnn-gradient-decay"), {"steps": 30})
    assert linked.has_question_setting
    assert linked.name_of(linked.start) == "question's setting"
    assert linked.describe(linked.defaults) == "defaults"
    assert linked.name_of(linked.counter) == "question's setting + counter"
    assert not Settings(sims.get("rnn-gradient-decay")).has_question_setting
    assert not Settings(sims.get("rnn-gradient-decay"), {"steps": 50}).has_question_setting  # = the default


# -- measured labels -------------------------------------------------------------------------------


def test_measured_keys_get_labels_or_words() -> None:
    assert humanise("measured_at_L") == "measured at L"
    assert humanise("norm_kT") == "norm kT"
    assert quantity_label("measured_at_L", {}) == "measured at L"
    assert quantity_label("slope", {"slope": "log-log slope of $t(n)$"}) == "log-log slope of t(n)"
    assert quantity_label("slope", {"slope": "  "}) == "slope"
