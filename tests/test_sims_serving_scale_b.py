"""Serving at scale, part b: tensor-parallel attention by heads, and ring attention.

Out-of-range settings are refused, and the counted numbers (collective payloads, per-device memory, ring
traffic) equal the values worked out by hand. Defaults, counters, probes and seeds are checked for every
simulation by tests/test_sims_contract.py.
"""

from __future__ import annotations

import math

import numpy as np
import pydantic
import pytest

from sims import run_simulation
from sims.ring import merge
from sims.tensor_parallel import Comm

IDS = ["tensor-parallel-heads", "ring-attention"]

OUT_OF_BOUNDS = {
    "tensor-parallel-heads": [
        {"devices": 3},  # 3 does not divide 8 heads
        {"split": "channels", "head_dim": 16, "devices": 3},
        {"n": 1024, "heads": 8},  # 8 M score entries
        {"heads": 0},
        {"split": "rows"},
    ],
    "ring-attention": [
        {"devices": 3},  # 3 does not divide 1,024
        {"n": 4096, "d": 64},
        {"n": 8192},
        {"logit_std": 0.0},
        {"combine": "sum"},
    ],
}


@pytest.mark.parametrize(
    ("sim_id", "overrides"), [(s, o) for s in IDS for o in OUT_OF_BOUNDS[s]], ids=lambda v: str(v)
)
def test_params_out_of_bounds_refused(sim_id: str, overrides: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        run_simulation(sim_id, overrides)


# --- tensor-parallel-heads ---------------------------------------------------------------------


def test_tp_counts_by_hand() -> None:
    # d = H d_h = 8 x 16 = 128; n d = 64 x 128 = 8,192 elements in the one all-reduce;
    # ring all-reduce sends 2 (P - 1) / P x 8,192 = 2 x 3 / 4 x 8,192 = 12,288 per device;
    # each device holds 4 d (d / P) = 4 x 128 x 32 = 16,384 of the 4 d^2 = 65,536 weights.
    m = run_simulation("tensor-parallel-heads").verdict.measured
    assert m["allreduces"] == 1
    assert m["allreduce_elements_per_device"] == m["output_elements"] == 8192
    assert m["ring_traffic_per_device"] == 12288
    assert m["weight_elements_per_device"] == 16384 and m["weight_elements_total"] == 65536
    assert m["rel_error"] < 1e-13


def test_tp_counter_is_wrong_by_a_large_margin_with_the_same_communication() -> None:
    m = run_simulation("tensor-parallel-heads", counter=True).verdict.measured
    assert m["rel_error"] > 0.1
    assert m["allreduces"] == 1 and m["allreduce_elements_per_device"] == 8192


def test_tp_exact_channel_split_pays_for_the_scores() -> None:
    # the scores all-reduce adds H n^2 = 8 x 64^2 = 32,768 elements to the output's 8,192
    result = run_simulation("tensor-parallel-heads", {"split": "channels-exact"})
    m = result.verdict.measured
    assert m["rel_error"] < 1e-13 and m["allreduces"] == 2
    assert m["allreduce_elements_per_device"] == 8192 + 32768
    assert not result.verdict.holds


def test_tp_one_device_needs_no_collective() -> None:
    m = run_simulation("tensor-parallel-heads", {"devices": 1}).verdict.measured
    assert m["allreduces"] == 0 and m["allreduce_elements_per_device"] == 0 and m["rel_error"] == 0.0


def test_tp_partial_sums_are_wrong_until_the_last_device_is_added() -> None:
    result = run_simulation("tensor-parallel-heads")
    series = result.last_frame.series[0]
    assert series.x == (1.0, 2.0, 3.0, 4.0)
    assert min(series.y[:-1]) > 0.01 and series.y[-1] < 1e-13


def test_comm_counts_only_real_collectives() -> None:
    comm = Comm(np)
    total = comm.all_reduce([np.ones((2, 3)), 2 * np.ones((2, 3)), 3 * np.ones((2, 3))])
    assert np.array_equal(total, 6 * np.ones((2, 3)))
    assert (comm.calls, comm.payload, comm.ring_traffic) == (1, 6, 2 * 2 / 3 * 6)
    comm.all_reduce([np.ones(5)])
    assert comm.calls == 1


# --- ring-attention ------------------------------------------------------------------------------


def test_ring_counts_by_hand() -> None:
    # c = n / P = 1,024 / 8 = 128 tokens per block, d = 32. Peak per device: query, output accumulator,
    # current K and V, incoming K and V = 6 c d = 24,576, plus the c x c score tile 16,384 and the running
    # max and sum 2 c = 256: 41,216 elements, against n^2 = 1,048,576 for the full score matrix.
    m = run_simulation("ring-attention").verdict.measured
    assert m["block_tokens"] == 128
    assert m["peak_elements_per_device"] == 6 * 128 * 32 + 128 * 128 + 2 * 128 == 41216
    assert m["score_matrix_elements"] == 1024**2
    assert m["peak_kv_blocks"] == 2
    # each device passes on P - 1 = 7 blocks of K and V: 7 x 2 x 128 x 32 = 57,344 elements
    assert m["kv_elements_sent_per_device"] == 57344
    # 4 c^2 d FLOPs per step for 2 c d elements received: 2c = 256 FLOPs per element
    assert m["flops_per_sent_element"] == 256
    assert m["blocks_skipped"] == 0 and m["max_abs_error"] < 1e-12


def test_ring_causal_skips_the_blocks_above_the_diagonal() -> None:
    # P (P - 1) / 2 = 8 x 7 / 2 = 28 of the 64 block pairs are entirely in the future
    m = run_simulation("ring-attention", {"causal": True}).verdict.measured
    assert m["blocks_skipped"] == 28 and m["max_abs_error"] < 1e-12


def test_ring_error_is_large_until_the_last_block_arrives() -> None:
    series = run_simulation("ring-attention").last_frame.series[0]
    assert series.x[-1] == 8.0
    assert min(series.y[:-1]) > 0.01 and series.y[-1] < 1e-12


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 1, 0, 2], [2, 3, 1, 0]])
def test_online_merge_is_exact_in_any_block_order(order: list[int]) -> None:
    rng = np.random.default_rng(3)
    s = rng.standard_normal((5, 16)) * 8
    v = rng.standard_normal((16, 4))
    p = np.exp(s - s.max(axis=1, keepdims=True))
    want = (p / p.sum(axis=1, keepdims=True)) @ v
    state = (np.full((5, 1), -math.inf), np.zeros((5, 1)), np.zeros((5, 4)))
    for b in order:
        state = merge(state, s[:, 4 * b : 4 * b + 4], v[4 * b : 4 * b + 4], "online", np)
    assert np.max(np.abs(state[2] / state[1] - want)) < 1e-13
