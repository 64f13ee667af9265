"""Every simulation on NumPy and on CuPy: same verdicts, same numbers, and the GPU's speed-up.

For each simulation, at its defaults and at its counter setting, runs both backends and compares
the verdicts and every measured number (timing-derived numbers are reported, not compared); a
simulation's ``gpu_params`` apply on the GPU at defaults (sizes that fill the device). Then
times the shared attention forward at large n on both backends. Needs CuPy and a CUDA device.

    python benchmarks/gpu_check.py [--sizes 4096,8192,16384]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sims
from sims.backend import resolve, synchronize
from sims.kernels import attention

TIMING_WORDS = (
    "time",
    "seconds",
    "ms",
    "rate",
    "gflop",
    "speed",
    "fraction",
    "ratio_time",
    "slope",
    "faster",
)


def is_timing(key: str) -> bool:
    """Numbers that come from a clock differ between machines by design."""
    return any(word in key.lower() for word in TIMING_WORDS)


def rel_diff(a: object, b: object) -> float | None:
    if (
        isinstance(a, bool)
        or isinstance(b, bool)
        or not isinstance(a, int | float)
        or not isinstance(b, int | float)
    ):
        return None if a == b else float("inf")
    scale = max(abs(a), abs(b), 1e-300)
    return abs(a - b) / scale


def compare(sim: sims.Simulation, counter: bool) -> tuple[bool, bool, float, float, float]:
    cpu = sims.run_simulation(sim, counter=counter, backend="numpy")
    gpu = sims.run_simulation(sim, {} if counter else sim.gpu_params, counter=counter, backend="cupy")
    worst = 0.0
    for key, value in cpu.verdict.measured.items():
        if is_timing(key) or key not in gpu.verdict.measured:
            continue
        diff = rel_diff(value, gpu.verdict.measured[key])
        if diff is not None and diff > worst and diff < float("inf"):
            worst = diff
        elif diff == float("inf"):
            worst = float("inf")
    return cpu.verdict.holds, gpu.verdict.holds, worst, cpu.seconds, gpu.seconds


def time_attention(xp: object, n: int, d: int = 64, repeat: int = 5) -> float:
    rng = np.random.default_rng(0)
    q, k, v = (xp.asarray(rng.standard_normal((n, d)).astype(np.float32)) for _ in range(3))
    attention(q, k, v, xp)  # warm-up: kernels compiled, pools filled
    times = []
    for _ in range(repeat):
        synchronize(xp)
        start = time.perf_counter()
        attention(q, k, v, xp)
        synchronize(xp)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4096,8192,16384")
    args = parser.parse_args()
    cp, _name = resolve("cupy")
    print(f"CuPy {cp.__version__} on {cp.cuda.runtime.getDeviceProperties(0)['name'].decode()}")
    print(
        f"{'simulation':<28} {'setting':<8} {'numpy':>6} {'cupy':>6} {'max rel diff':>12} {'cpu s':>7} {'gpu s':>7}"
    )
    disagreements = 0
    for sim in sims.all_simulations():
        for counter in (False, True):
            try:
                cpu_holds, gpu_holds, diff, cpu_s, gpu_s = compare(sim, counter)
            except Exception as exc:  # report and go on: one broken path must not hide the others
                print(
                    f"{sim.id:<28} {'counter' if counter else 'default':<8} error: {type(exc).__name__}: {exc}"
                )
                disagreements += 1
                continue
            disagreements += cpu_holds != gpu_holds
            print(
                f"{sim.id:<28} {'counter' if counter else 'default':<8} {cpu_holds!s:>6} {gpu_holds!s:>6}"
                f" {diff:>12.1e} {cpu_s:>7.3f} {gpu_s:>7.3f}"
            )
    print()
    print(f"{'attention forward, d=64, float32':<34} {'numpy ms':>9} {'cupy ms':>9} {'speed-up':>9}")
    for n in (int(s) for s in args.sizes.split(",")):
        cpu = time_attention(np, n, repeat=3)
        gpu = time_attention(cp, n)
        print(f"{'n = ' + str(n):<34} {cpu * 1e3:>9.1f} {gpu * 1e3:>9.2f} {cpu / gpu:>8.0f}x")
    print(f"\nverdicts that differ between backends: {disagreements}")
    return 1 if disagreements else 0


if __name__ == "__main__":
    raise SystemExit(main())
