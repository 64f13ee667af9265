"""sims.kernels: every kernel equals a naive float64 reference, on random shapes, causal or not, scaled."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sims import kernels
from sims.backend import resolve, to_host
from sims.kernels import (
    attention,
    attention_scores,
    attention_weights,
    causal_mask,
    limit_threads,
    softmax,
    streaming_lse,
    streaming_softmax,
    tiled_attention,
)


def ref_weights(q: np.ndarray, k: np.ndarray, causal: bool, scale: float | None) -> np.ndarray:
    """The textbook softmax(scale q k^T), row by row, in float64 with explicit loops over the mask."""
    q, k = q.astype(np.float64), k.astype(np.float64)
    c = 1.0 / math.sqrt(q.shape[1]) if scale is None else scale
    s = c * (q @ k.T)  # (n_q, n_k)
    p = np.zeros_like(s)
    for i in range(s.shape[0]):
        seen = slice(0, i + 1) if causal else slice(0, s.shape[1])  # top-left: key j <= query i
        row = s[i, seen]
        e = np.exp(row - row.max())
        p[i, seen] = e / e.sum()
    return p


def ref_attention(q, k, v, causal=False, scale=None) -> np.ndarray:
    """The reference output: weights @ v in float64."""
    return ref_weights(q, k, causal, scale) @ v.astype(np.float64)


def random_qkv(seed: int, n_q: int, n_k: int, d: int, d_v: int, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((n_q, d)).astype(dtype),
        rng.standard_normal((n_k, d)).astype(dtype),
        rng.standard_normal((n_k, d_v)).astype(dtype),
    )


# Random shapes: (seed, n_q, n_k, d, d_v), with n_q < n_k, n_q > n_k, n_q = n_k and ones.
SHAPES = [(0, 1, 1, 1, 1), (1, 5, 9, 3, 2), (2, 9, 5, 4, 7), (3, 64, 64, 8, 8), (4, 33, 70, 16, 5)]
SHAPES += [
    (s, int(r.integers(1, 90)), int(r.integers(1, 90)), int(r.integers(1, 20)), int(r.integers(1, 20)))
    for s, r in ((s, np.random.default_rng(100 + s)) for s in range(5, 11))
]


@pytest.fixture(params=[None, 1 << 8], ids=["one-block", "many-blocks"])
def tile(request, monkeypatch):
    """Run attention with its normal tile, and with a tiny tile that splits small inputs into many blocks."""
    if request.param is not None:
        monkeypatch.setattr(kernels, "TILE_ELEMENTS_CPU", request.param)
    return request.param


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("scale", [None, 0.37])
def test_attention_matches_reference(shape, causal, scale, tile) -> None:
    q, k, v = random_qkv(*shape)
    expected = ref_attention(q, k, v, causal, scale)
    out = attention(q, k, v, np, causal=causal, scale=scale)
    assert out.shape == expected.shape and out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("scale", [None, 2.5])
def test_weights_and_scores_match_reference(shape, causal, scale) -> None:
    q, k, _ = random_qkv(*shape)
    p = attention_weights(q, k, np, causal=causal, scale=scale)
    np.testing.assert_allclose(p, ref_weights(q, k, causal, scale), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    s = attention_scores(q, k, np, causal=causal, scale=scale)
    allowed = causal_mask(max(s.shape), np)[: s.shape[0], : s.shape[1]] if causal else np.ones(s.shape, bool)
    assert np.all(np.isneginf(s[~allowed]))
    c = 1.0 / math.sqrt(q.shape[1]) if scale is None else scale
    np.testing.assert_allclose(s[allowed], (c * (q @ k.T))[allowed], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("block", [1, 3, 16, 1000])
def test_tiled_attention_matches_reference(shape, causal, block) -> None:
    q, k, v = random_qkv(*shape)
    out = tiled_attention(q, k, v, np, block=block, causal=causal, scale=0.8)
    np.testing.assert_allclose(out, ref_attention(q, k, v, causal, 0.8), rtol=1e-12, atol=1e-12)


def test_attention_float32_to_round_off(tile) -> None:
    q, k, v = random_qkv(5, 300, 257, 32, 24, dtype=np.float32)
    for causal in (False, True):
        out = attention(q, k, v, np, causal=causal)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, ref_attention(q, k, v, causal), rtol=0, atol=2e-6)


def test_attention_stacks_and_views() -> None:
    rng = np.random.default_rng(9)
    qkv = rng.standard_normal((3, 2, 4, 17, 6))  # (qkv, batch, heads, n, d)
    q, k, v = qkv.transpose(0, 1, 2, 4, 3).swapaxes(-1, -2)  # non-contiguous views, (2, 4, 17, 6) each
    for causal in (False, True):
        out = attention(q, k, v, np, causal=causal)
        assert out.shape == (2, 4, 17, 6)
        for b in range(2):
            for h in range(4):
                expected = ref_attention(q[b, h], k[b, h], v[b, h], causal)
                np.testing.assert_allclose(out[b, h], expected, atol=1e-12)
        weights = attention_weights(q, k, np, causal=causal)
        np.testing.assert_allclose(weights @ v, out, atol=1e-12)


def test_attention_rejects_mismatched_shapes() -> None:
    q, k, v = random_qkv(0, 4, 5, 3, 2)
    with pytest.raises(ValueError):
        attention(q, k[:4], v, np)
    with pytest.raises(ValueError):
        attention(q[:, :2], k, v, np)


def test_attention_large_logits_stay_finite() -> None:
    q, k, v = random_qkv(1, 40, 50, 8, 4)
    out = attention(q * 300, k * 300, v, np, scale=1.0)  # scores in the tens of thousands
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, ref_attention(q * 300, k * 300, v, False, 1.0), atol=1e-9)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_known_values_and_axes(axis) -> None:
    np.testing.assert_allclose(softmax(np.array([1000.0, 1000.0, -1000.0]), np), [0.5, 0.5, 0.0])
    np.testing.assert_allclose(softmax(np.log(np.array([1.0, 2.0, 5.0])), np), [0.125, 0.25, 0.625])
    x = np.random.default_rng(2).standard_normal((6, 7)) * 50
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    np.testing.assert_allclose(softmax(x, np, axis=axis), e / e.sum(axis=axis, keepdims=True), rtol=1e-13)
    np.testing.assert_allclose(softmax(np.arange(3), np), softmax(np.arange(3.0), np))  # integers too


def test_causal_mask_known_values() -> None:
    assert causal_mask(3, np).tolist() == [[True, False, False], [True, True, False], [True, True, True]]
    assert causal_mask(50, np).sum() == 50 * 51 // 2


@pytest.mark.parametrize("chunk", [1, 7, 64, 5000])
def test_streaming_softmax_matches_two_pass(chunk) -> None:
    x = np.random.default_rng(3).uniform(-1000, 1000, (8, 333))
    np.testing.assert_allclose(streaming_softmax(x, np, chunk), softmax(x, np), rtol=1e-12, atol=1e-300)
    ends = [end for end, _, _ in streaming_lse(x, np, chunk)]
    assert ends[-1] == 333 and ends == sorted(ends)
    _, m, _l = list(streaming_lse(x, np, chunk))[-1]
    np.testing.assert_array_equal(m[:, 0], x.max(axis=1))  # the running max is the max, exactly


def test_streaming_without_rescale_is_wrong_when_the_max_grows() -> None:
    x = np.array([[0.0, 0.0, 10.0, 10.0]])  # the max grows from 0 to 10 at the second chunk
    np.testing.assert_allclose(streaming_softmax(x, np, 2), softmax(x, np), rtol=1e-15)
    right = streaming_softmax(x, np, 2)
    np.testing.assert_allclose(right[0, 2], 1 / (2 + 2 * math.exp(-10)), rtol=1e-15)
    wrong = streaming_softmax(x, np, 2, rescale=False)
    # l kept the first chunk's exp(0 - 0) = 1 twice instead of exp(0 - 10): l = 1 + 1 + 2 = 4, not 2.00009.
    assert wrong[0, 2] == 0.25 and wrong.sum() == pytest.approx(0.5 + 0.5 * math.exp(-10))
    assert np.allclose(streaming_softmax(x[:, ::-1].copy(), np, 2, rescale=False), softmax(x, np)[:, ::-1])


def _blas_threads() -> list[int]:
    """Thread counts of the OpenBLAS libraries this process has (empty where none can be read)."""
    controller, pairs = kernels._blas_controls()
    if controller is not None:
        return [lib.num_threads for lib in controller.select(user_api="blas").lib_controllers]
    return [get() for _, get in pairs]


def test_limit_threads_limits_and_restores() -> None:
    before = _blas_threads()
    workers = kernels._workers()
    with limit_threads(1) as limited:
        assert kernels._workers() == 1
        if limited:
            assert all(t == 1 for t in _blas_threads())
        np.ones((64, 64)) @ np.ones((64, 64))
    assert _blas_threads() == before
    assert kernels._workers() == workers


@pytest.mark.parametrize("causal", [False, True])
def test_threaded_blocks_match_serial(causal, monkeypatch) -> None:
    q, k, v = random_qkv(8, 517, 389, 12, 7)
    monkeypatch.setattr(kernels, "TILE_ELEMENTS_CPU", 389 * 16)  # 16 query rows per block, 33 blocks
    with limit_threads(1):
        serial = attention(q, k, v, np, causal=causal)
    monkeypatch.setattr(kernels, "_workers", lambda: 3)  # three workers, whatever the machine has
    threaded = attention(q, k, v, np, causal=causal)
    np.testing.assert_allclose(threaded, serial, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(threaded, ref_attention(q, k, v, causal), rtol=1e-12, atol=1e-12)


def test_worker_errors_reach_the_caller(monkeypatch) -> None:
    q, k, v = random_qkv(8, 64, 64, 4, 4)
    monkeypatch.setattr(kernels, "TILE_ELEMENTS_CPU", 64 * 8)
    monkeypatch.setattr(kernels, "_workers", lambda: 2)

    class Broken:
        def __getattr__(self, name):
            if name == "divide":
                raise RuntimeError("worker failed")
            return getattr(np, name)

    monkeypatch.setattr(kernels, "np", Broken())  # `xp is np` must hold for the threaded path
    with pytest.raises(RuntimeError, match="worker failed"):
        attention(q, k, v, kernels.np)


@pytest.mark.gpu
def test_cupy_kernels_match_numpy() -> None:
    xp, name = resolve("auto")
    if name != "cupy":
        pytest.skip("needs CuPy and a CUDA device")
    q, k, v = random_qkv(4, 700, 650, 32, 16)
    for causal in (False, True):
        expected = ref_attention(q, k, v, causal)
        out = attention(xp.asarray(q), xp.asarray(k), xp.asarray(v), xp, causal=causal)
        np.testing.assert_allclose(to_host(out), expected, atol=1e-12)
        tiled = tiled_attention(xp.asarray(q), xp.asarray(k), xp.asarray(v), xp, block=64, causal=causal)
        np.testing.assert_allclose(to_host(tiled), expected, atol=1e-12)
        weights = attention_weights(xp.asarray(q), xp.asarray(k), xp, causal=causal)
        np.testing.assert_allclose(to_host(weights), ref_weights(q, k, causal, None), atol=1e-12)
