"""The simulation contract, checked for every registered simulation (new ones included by default):
defaults hold, the counter setting does not, frames and measured numbers have the promised shape,
parameters are bounded and documented, and a seeded run repeats itself."""

from __future__ import annotations

import inspect
import json
import typing
from typing import Any

import annotated_types
import pydantic
import pytest

import sims
from quizapp.text import plain
from sims import run_simulation

IDS = sims.ids()
LEFTOVERS = ("\\", "^{", "_{", "$")
"""What a string must not show once rendered: a LaTeX command, a braced script, an unconverted dollar."""


def untimed(result: sims.RunResult) -> dict[str, Any]:
    """The measured numbers that do not come from a clock."""
    timed = sims.get(result.sim_id).timed
    return {k: v for k, v in result.verdict.measured.items() if k not in timed}


@pytest.mark.parametrize("sim_id", IDS)
def test_default_holds(sim_id, default_runs):
    result, _ = default_runs[sim_id]
    assert result.verdict.holds, result.verdict.summary


@pytest.mark.parametrize("sim_id", IDS)
def test_counter_fails_and_equals_its_overrides(sim_id):
    by_flag = run_simulation(sim_id, counter=True)
    assert not by_flag.verdict.holds, by_flag.verdict.summary
    by_overrides = run_simulation(sim_id, dict(sims.get(sim_id).counter))
    assert by_overrides.params == by_flag.params
    assert by_overrides.verdict.holds == by_flag.verdict.holds
    assert untimed(by_overrides) == untimed(by_flag)


@pytest.mark.parametrize("sim_id", IDS)
def test_frames_follow_the_contract(sim_id, default_runs):
    result, frames = default_runs[sim_id]
    assert len(frames) >= 2
    progress = [f.progress for f in frames]
    assert all(0.0 <= p <= 1.0 for p in progress) and progress == sorted(progress)
    assert [f.verdict is not None for f in frames] == [False] * (len(frames) - 1) + [True]
    assert frames[-1].series, "the last frame carries the full series"
    for frame in frames:
        for series in frame.series:
            assert len(series.x) == len(series.y)
            assert all(isinstance(v, float) for v in series.x + series.y)
    assert frames[0].series == () or result.first_frame_seconds < 0.15


@pytest.mark.parametrize("sim_id", IDS)
def test_measured_numbers_are_plain_json(sim_id, default_runs):
    result, _ = default_runs[sim_id]
    measured = dict(result.verdict.measured)
    assert measured and all(type(v) in (bool, int, float, str) for v in measured.values()), measured
    json.dumps(result.as_json(), allow_nan=False)
    assert sims.get(sim_id).timed <= set(measured), "timed names keys that are not measured"


@pytest.mark.parametrize("sim_id", IDS)
def test_metadata_is_complete(sim_id):
    sim = sims.get(sim_id)
    assert sim.claim.endswith(".") and sim.title and sim.explains
    assert sim.plot.x_label != "x" and sim.plot.y_label != "y"
    for name, field in sim.Params.model_fields.items():
        assert field.description, f"{sim_id}.{name} has no description"
    sim.params(sim.gpu_params)


def beyond_bounds(sim_id: str) -> list[dict[str, Any]]:
    """For each bounded numeric parameter, a value just past each bound; a wrong word for Literals."""
    cases = []
    for name, field in sims.get(sim_id).Params.model_fields.items():
        for meta in field.metadata:
            if isinstance(meta, annotated_types.Ge):
                cases.append({name: meta.ge - 1})
            elif isinstance(meta, annotated_types.Gt):
                cases.append({name: meta.gt})
            elif isinstance(meta, annotated_types.Le):
                cases.append({name: meta.le + 1})
            elif isinstance(meta, annotated_types.Lt):
                cases.append({name: meta.lt})
        if typing.get_origin(field.annotation) is typing.Literal:
            cases.append({name: "no-such-choice"})
    return cases + [{"no_such_parameter": 1}]


@pytest.mark.parametrize(
    ("sim_id", "overrides"), [(s, o) for s in IDS for o in beyond_bounds(s)], ids=lambda v: str(v)
)
def test_values_beyond_the_bounds_are_refused(sim_id, overrides):
    with pytest.raises(pydantic.ValidationError):
        sims.get(sim_id).params(overrides)


@pytest.mark.parametrize("sim_id", [s for s in IDS if "seed" in sims.get(s).Params.model_fields])
def test_a_seeded_run_repeats_itself(sim_id, default_runs):
    again = run_simulation(sim_id)
    first, _ = default_runs[sim_id]
    assert untimed(again) == untimed(first)
    if not sims.get(sim_id).timed:  # a timing verdict is decided by the clock, so only the rest repeats
        assert again.verdict.holds == first.verdict.holds
        assert again.last_frame.series == first.last_frame.series


# --- measuring is separate from deciding (issue 10) -------------------------------------------

SEEDED = [s for s in IDS if "seed" in sims.get(s).Params.model_fields]
SEEDS = range(1, 21)


def probe_cases() -> list[tuple[str, int]]:
    return [(s, i) for s in IDS for i in range(max(3, len(sims.get(s).probes)))]


@pytest.mark.parametrize("sim_id", IDS)
def test_run_is_measure_then_decide(sim_id, default_runs):
    sim = sims.get(sim_id)
    assert "run" not in type(sim).__dict__, "run is the contract's; a simulation implements measure/decide"
    result, frames = default_runs[sim_id]
    assert [f.measured is not None for f in frames] == [False] * (len(frames) - 1) + [True]
    measured = dict(frames[-1].measured)
    decided = dict(result.verdict.measured)
    assert {k: decided.get(k) for k in measured} == measured, (
        "decide returns the measured numbers in its verdict"
    )
    again = sim.decide(measured, sim.params())
    assert (again.holds, again.summary) == (result.verdict.holds, result.verdict.summary), "decide is pure"
    source = inspect.getsource(type(sim).decide)
    for impure in ("xp.", "time.", "perf_counter", "random", "default_rng"):
        assert impure not in source, f"decide must not use {impure!r}: no arrays, clocks or randomness"


@pytest.mark.parametrize(("sim_id", "index"), probe_cases())
def test_probe_gives_the_predicted_verdict(sim_id, index):
    probes = sims.get(sim_id).probes
    assert len(probes) >= 3, f"{sim_id} declares {len(probes)} probes, the contract asks for at least 3"
    probe = probes[index]
    assert probe.why.strip()
    sim = sims.get(sim_id)
    assert sim.params(probe.params) not in (sim.params(), sim.params(counter=True)), (
        "a probe is a third setting"
    )
    result = run_simulation(sim_id, dict(probe.params))
    assert result.verdict.holds is probe.holds, f"{probe.why} -- {result.verdict.summary}"
    assert_renders(f"{sim_id} probe {index} summary", result.verdict.summary)


@pytest.mark.parametrize("sim_id", IDS)
def test_verdict_depends_on_the_measured_data(sim_id, default_runs):
    """Default params with the counter's (or data flip's) measurements must not hold: the verdict
    is decided by the numbers, not by the params."""
    sim = sims.get(sim_id)
    defaults = sim.params()
    result, _ = default_runs[sim_id]
    assert sim.decide(dict(result.last_frame.measured), defaults).holds
    if sim.data_flip is not None:
        assert sim.data_flip_why.strip()
        flipped = run_simulation(sim_id, dict(sim.data_flip))
    else:
        flipped = run_simulation(sim_id, counter=True)
    verdict = sim.decide(dict(flipped.last_frame.measured), defaults)
    assert not verdict.holds, verdict.summary


@pytest.mark.parametrize(("sim_id", "seed"), [(s, seed) for s in SEEDED for seed in SEEDS])
def test_defaults_hold_and_counter_fails_over_seeds(sim_id, seed):
    held = run_simulation(sim_id, {"seed": seed})
    assert held.verdict.holds, f"seed {seed}: {held.verdict.summary}"
    countered = run_simulation(sim_id, {"seed": seed}, counter=True)
    assert not countered.verdict.holds, f"seed {seed}: {countered.verdict.summary}"


@pytest.mark.parametrize("sim_id", [s for s in IDS if sims.get(s).timed])
def test_timed_default_holds_on_three_repeats(sim_id):
    for repeat in range(3):
        result = run_simulation(sim_id)
        assert result.verdict.holds, f"repeat {repeat}: {result.verdict.summary}"


class _Toy(sims.Simulation):
    """A throwaway simulation (never registered) to pin down what ``run`` does with measure/decide."""

    id = "toy"
    title = "toy"
    claim = "A toy holds when its number is positive."
    counter: dict[str, Any] = {}
    measured_value = 1.0
    extra_frame = False
    decided_in_measure = False

    class Params(sims.SimParams):
        threshold: float = 0.0

    def measure(self, params, xp):
        yield sims.Frame(0.5, "half")
        verdict = sims.Verdict(True, "written in") if self.decided_in_measure else None
        yield sims.Frame(1.0, "done", measured={"value": self.measured_value}, verdict=verdict)
        if self.extra_frame:
            yield sims.Frame(1.0, "late")

    def decide(self, measured, params):
        holds = measured["value"] > params.threshold
        return sims.Verdict(holds, f"value {measured['value']} vs {params.threshold}", dict(measured))


def test_run_decides_the_measured_frame_and_passes_progress_through():
    toy = _Toy()
    frames = list(toy.run(toy.params(), None))
    assert [f.message for f in frames] == ["half", "done"]
    assert frames[0].verdict is None and frames[-1].verdict == sims.Verdict(
        True, "value 1.0 vs 0.0", {"value": 1.0}
    )
    toy.measured_value = -1.0
    assert not list(toy.run(toy.params(), None))[-1].verdict.holds


def test_a_simulation_may_not_override_run():
    with pytest.raises(TypeError, match="measure and decide"):
        type("Overrides", (_Toy,), {"run": lambda self, params, xp: iter(())})


@pytest.mark.parametrize("flaw", ["extra_frame", "decided_in_measure"])
def test_run_refuses_a_measure_that_breaks_the_contract(flaw):
    toy = _Toy()
    setattr(toy, flaw, True)
    with pytest.raises(RuntimeError):
        list(toy.run(toy.params(), None))


# --- what a person reads: math written as $...$, rendered the same everywhere (issue 13) --------


def assert_renders(where: str, text: str) -> None:
    """``text`` reads cleanly through :func:`quizapp.text.plain`: no LaTeX left over."""
    shown = plain(text)
    left = [mark for mark in LEFTOVERS if mark in shown]
    assert not left, f"{where}: {left} left in {shown!r} (from {text!r})"


def readable_strings(sim: sims.Simulation, frames: list[sims.Frame]) -> dict[str, str]:
    """Every string of a simulation a person reads, and those of one run's frames, by where they come from."""
    out = {
        "title": sim.title,
        "claim": sim.claim,
        "explains": sim.explains,
        "x_label": sim.plot.x_label,
        "y_label": sim.plot.y_label,
    }
    out |= {f"parameter {name}": field.description or "" for name, field in sim.Params.model_fields.items()}
    out |= {f"quantity {key}": label for key, label in sim.quantities.items()}
    for i, frame in enumerate(frames):
        out[f"frame {i} message"] = frame.message
        out |= {f"frame {i} series {s.name!r}": s.name for s in frame.series}
        if frame.verdict is not None:
            out["verdict summary"] = frame.verdict.summary
    return out


@pytest.mark.parametrize("sim_id", IDS)
def test_every_measured_number_has_a_label(sim_id, default_runs):
    sim = sims.get(sim_id)
    result, _ = default_runs[sim_id]
    measured = set(result.verdict.measured)
    assert not measured - set(sim.quantities), (
        f"no label in quantities for {sorted(measured - set(sim.quantities))}"
    )
    assert not set(sim.quantities) - measured, (
        f"labels for keys never measured: {sorted(set(sim.quantities) - measured)}"
    )


@pytest.mark.parametrize("sim_id", IDS)
def test_what_a_person_reads_renders_without_latex_left(sim_id, default_runs):
    sim = sims.get(sim_id)
    _, frames = default_runs[sim_id]
    counter_frames: list[sims.Frame] = []
    run_simulation(sim_id, counter=True, on_frame=counter_frames.append)
    for where, text in readable_strings(sim, frames).items():
        assert_renders(f"{sim_id} {where}", text)
    for where, text in readable_strings(sim, counter_frames).items():
        assert_renders(f"{sim_id} counter {where}", text)


@pytest.mark.parametrize("count", [0, 1, 2, 11])
def test_plural_agrees_with_its_count(count):
    from sims._words import plural

    assert plural(count, "KV head") == f"{count} KV head{'' if count == 1 else 's'}"
    assert plural(count, "matrix", "matrices") == f"{count} {'matrix' if count == 1 else 'matrices'}"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1e-10, "10⁻¹⁰"),
        (2.34e-15, "2.3 × 10⁻¹⁵"),
        (0.0, "0"),
        (0.25, "0.25"),
        (4096, "4096"),
        (1.8e13, "1.8 × 10¹³"),
    ],
)
def test_small_and_large_numbers_read_as_powers_of_ten(value, shown):
    from sims._words import sci

    assert plain(sci(value)) == shown
