"""Time every registered simulation at its defaults and check both verdicts.

Prints one row per simulation: id, median first-frame and total milliseconds over a few runs at
the defaults, and whether the claim holds at the defaults and at the counter setting.

    python benchmarks/sims.py [--repeat N] [--backend numpy|cupy|auto]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sims


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per simulation at defaults (median)")
    parser.add_argument("--backend", default=None, help="numpy, cupy or auto (default: $QUIZAPP_BACKEND)")
    args = parser.parse_args(argv)

    rows = []
    for sim in sims.all_simulations():
        runs = [sims.run_simulation(sim, backend=args.backend) for _ in range(max(1, args.repeat))]
        counter = sims.run_simulation(sim, counter=True, backend=args.backend)
        rows.append(
            (
                sim.id,
                statistics.median(r.first_frame_seconds for r in runs) * 1000,
                statistics.median(r.seconds for r in runs) * 1000,
                all(r.verdict.holds for r in runs),
                counter.verdict.holds,
                runs[0].backend,
            )
        )

    width = max([len("id")] + [len(r[0]) for r in rows])
    print(f"{'id':<{width}}  {'first ms':>9}  {'total ms':>9}  {'default':>7}  {'counter':>7}  backend")
    for sim_id, first, total, holds, counter_holds, backend in rows:
        flags = f"{holds!s:>7}  {counter_holds!s:>7}"
        print(f"{sim_id:<{width}}  {first:>9.2f}  {total:>9.1f}  {flags}  {backend}")
    bad = [r[0] for r in rows if not r[3] or r[4]]
    if bad:
        print(f"claims not decided as expected: {', '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
