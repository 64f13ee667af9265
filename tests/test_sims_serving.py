"""Serving simulations: KV cache, prefill, memory-bound decode, sequential vs parallel.

Defaults hold, counters do not, frames and params follow the contract, and the counted numbers
match the formulas exactly. Timings differ from run to run, so determinism is checked on the
numbers that do not depend on them.
"""

from __future__ import annotations

import pydantic
import pytest

from sims import run_simulation

IDS = ["kv-cache-equivalence", "prefill-parallel", "decode-memory-bound", "sequential-vs-parallel"]


OUT_OF_BOUNDS = {
    "kv-cache-equivalence": [{"n": 4}, {"n": 257}, {"d": 30, "heads": 4}, {"layers": 0}, {"x": 1}],
    "prefill-parallel": [{"n": 8}, {"n": 1024}, {"repeats": 0}, {"repeats": 6}, {"heads": 3}, {"d": 1000}],
    "decode-memory-bound": [
        {"d": 128},
        {"d": 8192},
        {"batch": 0},
        {"prefill": 32},
        {"d": 4096, "layers": 2},
        {"repeats": 100},
    ],
    "sequential-vs-parallel": [{"n": 0}, {"n": 100_000}, {"d": 4}, {"points": 0}, {"repeats": 0}],
}

SMALL = {  # quick settings for the repeated runs
    "kv-cache-equivalence": {"n": 32},
    "prefill-parallel": {"n": 64, "repeats": 1},
    "decode-memory-bound": {"d": 512, "layers": 1, "prefill": 128, "repeats": 1},
    "sequential-vs-parallel": {"n": 64, "points": 2, "repeats": 1},
}


@pytest.mark.parametrize(
    ("sim_id", "overrides"), [(s, o) for s in IDS for o in OUT_OF_BOUNDS[s]], ids=lambda v: str(v)
)
def test_params_out_of_bounds_refused(sim_id: str, overrides: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        run_simulation(sim_id, overrides)


# ---------------------------------------------------------------------------------------------
# known answers


@pytest.mark.parametrize(("n", "d", "layers"), [(128, 32, 2), (20, 8, 1), (50, 16, 3)])
def test_kv_cache_flop_counts_exact(n: int, d: int, layers: int) -> None:
    # Token t: cached 4 d t per layer; recomputed causal prefix 4 d t(t+1)/2 per layer.
    result = run_simulation("kv-cache-equivalence", {"n": n, "d": d, "heads": 1, "layers": layers})
    m = result.verdict.measured
    assert m["cached_flops_last_token"] == 4 * d * layers * n
    assert m["recompute_flops_last_token"] == 4 * d * layers * n * (n + 1) // 2
    # Caching does, over the whole sequence, what recomputing does for the last token alone.
    assert m["cached_flops_total"] == m["recompute_flops_last_token"]
    assert m["cached_flops_slope_upper_half"] == pytest.approx(1.0, abs=1e-9)
    assert m["cached_flops_off_closed_form"] == m["recompute_flops_off_closed_form"] == 0
    assert m["max_abs_diff"] < 1e-12 and result.verdict.holds


@pytest.mark.parametrize("n", [8, 16])
def test_kv_cache_short_sequences_hold(n: int) -> None:
    """The audit's false negative: t(t+1)/2 fits a log-log slope of 1.73 at n = 8, but it is exact."""
    result = run_simulation("kv-cache-equivalence", {"n": n})
    assert result.verdict.holds, result.verdict.summary


def test_kv_cache_bidirectional_counts_and_diverges() -> None:
    result = run_simulation("kv-cache-equivalence", {"causal": False, "n": 64})
    m = result.verdict.measured
    assert m["recompute_flops_last_token"] == 4 * 32 * 2 * 64 * 64
    assert m["recompute_flops_slope_upper_half"] == pytest.approx(2.0, abs=1e-9)
    assert m["recompute_flops_off_closed_form"] > 0  # all t^2 pairs, not t(t+1)/2
    assert m["max_abs_diff"] > 1e-2 and m["first_step_diverging"] == 2  # token 1 changes once token 2 arrives
    assert "stale" in result.verdict.summary


def test_prefill_equal_at_any_length_and_generation_matches_teacher_forced() -> None:
    same = run_simulation("prefill-parallel", {"n": 16, "repeats": 1})
    assert same.verdict.measured["max_abs_diff"] < 1e-12
    fed = run_simulation("prefill-parallel", {"n": 16, "repeats": 1, "feedback": True})
    m = fed.verdict.measured
    # Teacher-forced on the inputs the loop generated, the pass reproduces the loop exactly ...
    assert m["max_abs_diff"] < 1e-12 and m["positions_differing"] == 0
    # ... while a pass on the prompt alone computes something else, and the route must wait for the loop.
    assert m["pass_on_prompt_only_max_diff"] > 1e-2
    assert m["batched_route_ms"] > m["loop_ms"] and m["speedup"] < 1
    assert not fed.verdict.holds and "unknown inputs" in fed.verdict.summary


@pytest.mark.parametrize(("batch", "intensity"), [(1, 0.5), (4, 2.0), (256, 128.0)])
def test_decode_arithmetic_intensity(batch: int, intensity: float) -> None:
    # 2 b d^2 FLOPs over 4 d^2 bytes of float32 weights: b/2 FLOP per byte, whatever d.
    result = run_simulation("decode-memory-bound", {**SMALL["decode-memory-bound"], "batch": batch})
    m = result.verdict.measured
    assert m["decode_flop_per_weight_byte"] == intensity
    assert m["prefill_flop_per_weight_byte"] == 64.0
    assert m["weight_mib"] == 1.0


@pytest.mark.parametrize(("n", "d"), [(1, 64), (100, 16), (512, 64)])
def test_sequence_flop_counts(n: int, d: int) -> None:
    result = run_simulation("sequential-vs-parallel", {"n": n, "d": d, "points": 1, "repeats": 1})
    m = result.verdict.measured
    assert m["rnn_flops"] == 4 * n * d * d
    assert m["attention_flops"] == 8 * n * d * d + 4 * n * n * d
    assert m["rnn_sequential_steps"] == n
