"""Shared attention kernels for the simulations (NumPy, or CuPy through ``xp``).

Scaled dot-product attention, ``softmax(q k^T / sqrt(d)) v`` (Vaswani et al. 2017, "Attention Is
All You Need", sec. 3.2.1). Every function takes the array module ``xp`` and runs unchanged on NumPy
and CuPy. Inputs are ``(n, d)`` matrices, or stacks ``(..., n, d)`` with the same leading shape.

``causal`` uses the top-left convention of ``causal_mask`` (as PyTorch's ``is_causal``): query ``i``
sees keys ``j <= i``. Every query therefore sees key 0, so no row is ever fully masked.

:func:`attention` is the fast one. It walks the queries in row blocks so that each ``(block, n_k)``
score tile stays in cache, does max-subtract, ``exp`` and row sum in place in preallocated buffers,
folds the scale into ``q`` once, and divides the ``(block, d_v)`` output by the row sums instead of
normalising the ``(block, n_k)`` probabilities. With ``causal`` it skips the key columns a block can
never see. On NumPy with several cores, worker threads take the row blocks in turn (NumPy's ufuncs
and BLAS release the GIL) while BLAS is held to one thread, so ``exp`` runs on every core too and a
core busy with another process slows one worker instead of stalling a split matmul. The result
equals :func:`attention_weights` ``@ v`` up to round-off of the dtype, in any thread setting.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import math
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any

import numpy as np

TILE_ELEMENTS_CPU = 1 << 19
"""Score-tile size (elements) per row block on NumPy: 2 MiB of float32, cache resident."""
TILE_ELEMENTS_GPU = 1 << 26
"""Score-tile size on other backends (CuPy): big tiles, few kernel launches."""
MAX_WORKERS = 8
"""Most worker threads :func:`attention` uses on NumPy."""

_OPENBLAS_THREADS = (  # (setter, getter) symbol pairs, by OpenBLAS build
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
)
_THREAD_LIMIT: ContextVar[int | None] = ContextVar("sims_kernels_thread_limit", default=None)


def _openblas_libs() -> list[Any]:
    """The OpenBLAS libraries loaded in this process (Linux only; empty elsewhere)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return []
    libs = []
    for path in sorted(p for p in paths if os.path.exists(p)):
        with contextlib.suppress(OSError):
            libs.append(ctypes.CDLL(path))
    return libs


@functools.cache
def _blas_controls() -> tuple[Any, tuple[tuple[Callable[[int], Any], Callable[[], int]], ...]]:
    """A threadpoolctl controller if installed, else OpenBLAS (setter, getter) pairs; found once."""
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController(), ()
    except ImportError:
        pass
    pairs = []
    for lib in _openblas_libs():
        for set_name, get_name in _OPENBLAS_THREADS:
            if hasattr(lib, set_name) and hasattr(lib, get_name):
                pairs.append((getattr(lib, set_name), getattr(lib, get_name)))
                break
    return None, tuple(pairs)


@contextlib.contextmanager
def _blas_limit(limit: int) -> Iterator[bool]:
    """Hold BLAS to ``limit`` threads inside the block; yields whether any BLAS could be limited."""
    controller, pairs = _blas_controls()
    if controller is not None:
        with controller.limit(limits=limit, user_api="blas"):
            yield bool(controller.select(user_api="blas").lib_controllers)
        return
    restore = [(setter, int(getter())) for setter, getter in pairs]
    for setter, _ in restore:
        setter(limit)
    try:
        yield bool(restore)
    finally:
        for setter, threads in restore:
            setter(threads)


@contextlib.contextmanager
def limit_threads(limit: int = 1) -> Iterator[bool]:
    """Run at most ``limit`` threads inside the block: BLAS's and :func:`attention`'s workers.

    For timings on a busy machine: a multi-threaded BLAS call waits for its slowest thread, so when
    another process holds a core, small matmuls stall for a scheduler slice and times stop tracking
    the work; and a sweep that is serial at small sizes but parallel at large ones bends its slope.
    Yields whether BLAS could be limited (threadpoolctl when installed, else OpenBLAS's own setter).
    The worker limit holds for this thread (a context variable); the BLAS limit is process-wide.
    """
    token = _THREAD_LIMIT.set(limit)
    try:
        with _blas_limit(limit) as limited:
            yield limited
    finally:
        try:
            _THREAD_LIMIT.reset(token)
        except ValueError:  # closed from another context (a cancelled run collected elsewhere)
            _THREAD_LIMIT.set(None)


def _workers() -> int:
    """Worker threads for :func:`attention` on NumPy: the usable cores, capped, within any limit."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    limit = _THREAD_LIMIT.get()
    return max(1, min(cores, MAX_WORKERS, limit if limit is not None else MAX_WORKERS))


@functools.cache
def _pool() -> ThreadPoolExecutor:
    """The shared worker pool, started on first use."""
    return ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="sims-attention")


def softmax(x: Any, xp: Any, axis: int = -1) -> Any:
    """Numerically stable softmax along ``axis``: the max is subtracted before ``exp``.

    A slice that is entirely ``-inf`` has no softmax and comes out NaN.
    """
    e = x - xp.max(x, axis=axis, keepdims=True)  # one new array; exp and the division reuse it
    if e.dtype.kind != "f":
        e = e.astype(xp.float64)
    xp.exp(e, out=e)
    e /= xp.sum(e, axis=axis, keepdims=True)
    return e


def causal_mask(n: int, xp: Any) -> Any:
    """Boolean ``(n, n)`` mask, True where query ``i`` may attend to key ``j`` (``j <= i``)."""
    return xp.tril(xp.ones((n, n), dtype=bool))


def _scale(d: int, scale: float | None) -> float:
    """The score scale: ``1/sqrt(d)`` unless given."""
    return 1.0 / math.sqrt(d) if scale is None else float(scale)


def _allowed(n_q: int, n_k: int, xp: Any) -> Any:
    """Causal mask ``(n_q, n_k)`` in the top-left convention: True where ``j <= i``."""
    return xp.arange(n_k)[None, :] <= xp.arange(n_q)[:, None]


def attention_scores(q: Any, k: Any, xp: Any, *, causal: bool = False, scale: float | None = None) -> Any:
    """Scaled scores ``scale * q k^T``: ``(..., n_q, d), (..., n_k, d) -> (..., n_q, n_k)``.

    With ``causal`` the entries a query may not see are ``-inf``.
    """
    s = (q * _scale(q.shape[-1], scale)) @ xp.swapaxes(k, -1, -2)  # (..., n_q, n_k), scale folded into q
    if causal:
        s = xp.where(_allowed(s.shape[-2], s.shape[-1], xp), s, -xp.inf)
    return s


def attention_weights(q: Any, k: Any, xp: Any, *, causal: bool = False, scale: float | None = None) -> Any:
    """Attention probabilities ``softmax(scale * q k^T)``: ``(..., n_q, d), (..., n_k, d)`` to
    ``(..., n_q, n_k)``.

    Materialises the whole score matrix; use :func:`attention` when only the output is needed.
    """
    return softmax(attention_scores(q, k, xp, causal=causal, scale=scale), xp, axis=-1)


def attention(q: Any, k: Any, v: Any, xp: Any, *, causal: bool = False, scale: float | None = None) -> Any:
    """Scaled dot-product attention: ``(..., n_q, d), (..., n_k, d), (..., n_k, d_v) -> (..., n_q, d_v)``.

    Exact (the same result as ``attention_weights(q, k) @ v`` to round-off), computed in row blocks.
    Leading dimensions must agree; each matrix of the stack is done in turn.
    """
    if q.shape[:-2] != k.shape[:-2] or k.shape[:-1] != v.shape[:-1] or q.shape[-1] != k.shape[-1]:
        raise ValueError(f"incompatible shapes q {q.shape}, k {k.shape}, v {v.shape}")
    dtype = xp.result_type(q.dtype, k.dtype, v.dtype, xp.float32)
    lead = q.shape[:-2]
    if lead:  # a stack: flatten the leading dimensions and do one matrix at a time
        qs = q.reshape((-1,) + q.shape[-2:])
        ks = k.reshape((-1,) + k.shape[-2:])
        vs = v.reshape((-1,) + v.shape[-2:])
        out = xp.empty((qs.shape[0], q.shape[-2], v.shape[-1]), dtype=dtype)
        for b in range(qs.shape[0]):
            out[b] = attention(qs[b], ks[b], vs[b], xp, causal=causal, scale=scale)
        return out.reshape(lead + out.shape[-2:])

    n_q, n_k, d_v = q.shape[0], k.shape[0], v.shape[1]
    qs = xp.asarray(q, dtype=dtype) * _scale(q.shape[1], scale)  # (n_q, d), scale folded in once
    kt = xp.asarray(k, dtype=dtype).T  # (d, n_k)
    vv = xp.asarray(v, dtype=dtype)  # (n_k, d_v)
    out = xp.empty((n_q, d_v), dtype=dtype)  # (n_q, d_v)
    if n_k == 0:
        out.fill(xp.nan)  # a softmax over no keys is undefined
    if n_q == 0 or n_k == 0:
        return out

    tile = TILE_ELEMENTS_CPU if xp is np else TILE_ELEMENTS_GPU
    rows = max(1, min(n_q, tile // n_k))  # query rows per block
    starts = list(range(0, n_q, rows))

    def blocks(next_start: Callable[[], int | None]) -> None:
        """Compute row blocks until ``next_start`` runs out, in this thread's own buffers."""
        s_buf = xp.empty(rows * n_k, dtype=dtype)  # flat tile, viewed as a contiguous (b, width) block
        m_buf = xp.empty((rows, 1), dtype=dtype)  # (rows, 1) row max
        l_buf = xp.empty((rows, 1), dtype=dtype)  # (rows, 1) row sum
        while (i := next_start()) is not None:
            b = min(rows, n_q - i)
            width = min(n_k, i + b) if causal else n_k  # keys beyond the block's last query: never seen
            s = s_buf[: b * width].reshape(b, width)  # (b, width) score / probability tile
            m, l = m_buf[:b], l_buf[:b]
            xp.matmul(qs[i : i + b], kt[:, :width], out=s)
            if causal and width > i:  # the diagonal part, keys i..width-1: hide key j from query r if j > r
                diag = s[:, i:width]  # (b, width - i) view
                diag[xp.arange(i, width)[None, :] > xp.arange(i, i + b)[:, None]] = -xp.inf
            xp.max(s, axis=1, keepdims=True, out=m)
            xp.subtract(s, m, out=s)
            xp.exp(s, out=s)
            xp.sum(s, axis=1, keepdims=True, out=l)
            o = out[i : i + b]  # (b, d_v)
            xp.matmul(s, vv[:width], out=o)
            xp.divide(o, l, out=o)  # normalise the (b, d_v) output, not the (b, width) probabilities

    todo, lock = iter(starts), threading.Lock()

    def next_start() -> int | None:
        with lock:
            return next(todo, None)

    workers = min(_workers(), len(starts)) if xp is np else 1
    if workers == 1:
        blocks(next_start)
        return out
    with _blas_limit(1) as limited:  # one BLAS thread per worker, or the cores are oversubscribed
        if not limited:  # a BLAS this module cannot hold to one thread: stay serial
            blocks(next_start)
            return out
        for future in [_pool().submit(blocks, next_start) for _ in range(workers)]:
            future.result()  # waits, and re-raises a worker's exception here
    return out


def tiled_attention(
    q: Any, k: Any, v: Any, xp: Any, *, block: int = 128, causal: bool = False, scale: float | None = None
) -> Any:
    """Exact attention over key blocks with an online softmax: ``(n_q, d), (n_k, d), (n_k, d_v)`` to
    ``(n_q, d_v)``.

    Keeps a running row max m, running sum l and unnormalised output o; a block whose max is larger
    rescales l and o by exp(m_old - m_new) (Dao et al. 2022, "FlashAttention", sec. 3.1). Only one
    ``(n_q, block)`` score tile exists at a time, so the extra memory is O(n_q (block + d_v)).
    """
    dtype = xp.result_type(q.dtype, k.dtype, v.dtype, xp.float32)
    n_q, n_k = q.shape[0], k.shape[0]
    q = xp.asarray(q, dtype=dtype) * _scale(q.shape[1], scale)  # (n_q, d), scale folded in once
    m = xp.full((n_q, 1), -xp.inf, dtype=dtype)  # (n_q, 1) running max
    l = xp.zeros((n_q, 1), dtype=dtype)  # (n_q, 1) running sum of exp(s - m)
    o = xp.zeros((n_q, v.shape[1]), dtype=dtype)  # (n_q, d_v) running sum of exp(s - m) v
    buf = xp.empty(n_q * min(block, n_k), dtype=dtype)  # flat tile, reused by every block
    for j in range(0, n_k, block):
        kb, vb = k[j : j + block], v[j : j + block]  # (b, d), (b, d_v)
        s = buf[: n_q * kb.shape[0]].reshape(n_q, kb.shape[0])  # (n_q, b) the only score tile
        xp.matmul(q, kb.T, out=s)
        if causal:  # top-left convention: query i sees keys j <= i; block 0 holds key 0, so m is finite
            s[xp.arange(j, j + kb.shape[0])[None, :] > xp.arange(n_q)[:, None]] = -xp.inf
        m_new = xp.maximum(m, xp.max(s, axis=1, keepdims=True))  # (n_q, 1)
        rescale = xp.exp(m - m_new)  # (n_q, 1), exp(-inf) = 0 on the first block
        xp.subtract(s, m_new, out=s)
        xp.exp(s, out=s)  # (n_q, b) exp(s - m_new)
        l *= rescale
        l += xp.sum(s, axis=1, keepdims=True)
        o *= rescale
        o += s @ vb
        m = m_new
    return o / l


def streaming_lse(x: Any, xp: Any, chunk: int, rescale: bool = True) -> Iterator[tuple[int, Any, Any]]:
    """One pass over the columns of x (rows, n) in chunks: yields (end, running max m, running sum l).

    l is sum(exp(x[:, :end] - m)), kept true by multiplying it by exp(m_old - m_new) whenever the max
    grows (Milakov & Gimelshein 2018, alg. 3). ``rescale=False`` skips that factor, as a demonstration
    of the bug: l then mixes terms taken against different maxima.
    """
    m = xp.full((x.shape[0], 1), -xp.inf, dtype=x.dtype)  # (rows, 1)
    l = xp.zeros((x.shape[0], 1), dtype=x.dtype)  # (rows, 1)
    for j in range(0, x.shape[1], chunk):
        c = x[:, j : j + chunk]  # (rows, c)
        m_new = xp.maximum(m, xp.max(c, axis=1, keepdims=True))  # (rows, 1)
        old = l * xp.exp(m - m_new) if rescale else l
        l = old + xp.sum(xp.exp(c - m_new), axis=1, keepdims=True)
        m = m_new
        yield min(j + chunk, x.shape[1]), m, l


def streaming_softmax(x: Any, xp: Any, chunk: int, rescale: bool = True) -> Any:
    """Softmax of each row of x (rows, n) from the streamed (m, l), then exp(x - m) / l."""
    *_, (_, m, l) = streaming_lse(x, xp, chunk, rescale)  # the (m, l) after the last chunk
    return xp.exp(x - m) / l
