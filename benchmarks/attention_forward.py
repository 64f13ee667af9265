"""Time ``sims.kernels.attention`` against its floor and a plain NumPy version.

The floor is the work no exact attention can skip: the two bare matmuls ``q @ k.T`` and ``p @ v``
plus one bare ``np.exp`` over the ``(n, n)`` scores. The naive version is the textbook one
(scale, subtract the row max, exp, divide by the row sum, multiply by v), each step a new array.
Prints the median of ``--repeat`` interleaved runs of each, and ``floor / ours`` (goal: >= 0.8).

    taskset -c 0,1 python benchmarks/attention_forward.py [--n 4096] [--d 64] [--repeat 9]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sims.kernels import attention


def floor(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The unavoidable work: two matmuls and one exp over the scores (not a softmax)."""
    s = q @ k.T  # (n, n)
    p = np.exp(s)  # (n, n)
    return p @ v  # (n, d)


def naive(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Textbook stable attention, one full (n, n) array per step."""
    s = (q @ k.T) / math.sqrt(q.shape[1])  # (n, n)
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    p = e / e.sum(axis=1, keepdims=True)
    return p @ v  # (n, d)


def blas_info() -> str:
    """What BLAS NumPy uses, and its thread pools when threadpoolctl is installed."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        text = f"{blas.get('name')} {blas.get('version')} ({blas.get('openblas configuration', '').strip()})"
    except Exception:  # older NumPy without mode="dicts"
        text = "unknown (see np.show_config())"
    try:
        from threadpoolctl import threadpool_info

        info = threadpool_info()
        pools = ", ".join(f"{p['internal_api']} {p['num_threads']} threads" for p in info)
        text += f"; threadpoolctl: {pools}"
    except ImportError:
        text += "; threadpoolctl not installed"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4096, help="sequence length (n_q = n_k)")
    parser.add_argument("--d", type=int, default=64, help="head dimension (d = d_v)")
    parser.add_argument("--repeat", type=int, default=9, help="timed runs of each (median; at least 7)")
    parser.add_argument("--causal", action="store_true", help="also time ours with a causal mask")
    args = parser.parse_args(argv)
    repeat = max(7, args.repeat)

    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((args.n, args.d), dtype=np.float32) for _ in range(3))
    ours = lambda q, k, v: attention(q, k, v, np)  # noqa: E731
    err = float(np.max(np.abs(ours(q, k, v) - naive(q, k, v))))

    cases: dict[str, Callable[..., np.ndarray]] = {"floor": floor, "naive": naive, "ours": ours}
    if args.causal:
        cases["ours causal"] = lambda q, k, v: attention(q, k, v, np, causal=True)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for fn in cases.values():  # warm up
        fn(q, k, v)
    for _ in range(repeat):  # interleaved, so drift hits every case alike
        for name, fn in cases.items():
            start = time.perf_counter()
            fn(q, k, v)
            times[name].append(time.perf_counter() - start)
    med = {name: statistics.median(t) for name, t in times.items()}

    print(f"attention forward, n={args.n}, d={args.d}, float32, median of {repeat}")
    print(f"BLAS: {blas_info()}")
    for name, t in med.items():
        print(f"  {name:<12} {t * 1000:8.1f} ms   floor/this = {med['floor'] / t:.2f}")
    ratio = med["floor"] / med["ours"]
    print(f"ratio floor/ours = {ratio:.2f} (goal >= 0.8); max |ours - naive| = {err:.2e}")
    return 0 if ratio >= 0.8 else 1


if __name__ == "__main__":
    raise SystemExit(main())
