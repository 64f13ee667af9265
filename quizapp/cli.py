"""The command line: argument parsing and dispatch, nothing else.

Exit codes: 0 success, 1 the command found problems, 2 usage errors. Textual is imported only by
the commands that open the TUI, so `validate` and `sim` start fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__

OK, PROBLEMS, USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in how the command was called; printed as one line, exit 2."""


def _globals() -> argparse.ArgumentParser:
    """--bank and --data-dir, accepted before or after the subcommand."""
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--bank", metavar="DIR", default=argparse.SUPPRESS, help="question bank folder (default: bundled)")
    shared.add_argument(
        "--data-dir", metavar="DIR", default=argparse.SUPPRESS, help="where history is kept (or $QUIZAPP_DATA_DIR)"
    )
    return shared


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line grammar."""
    shared = _globals()
    parser = argparse.ArgumentParser(
        prog="quizapp",
        parents=[shared],
        description="Scenario questions on ML architecture, each answer proven by a live simulation.",
    )
    parser.add_argument("--version", action="version", version=f"quizapp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    study = sub.add_parser("study", parents=[shared], help="study with feedback after every answer")
    study.add_argument("--domain", metavar="D", help="only this domain")
    study.add_argument("--tag", metavar="T", help="only questions with this tag")

    validate = sub.add_parser("validate", parents=[shared], help="check banks or question files")
    validate.add_argument("paths", nargs="*", metavar="PATH", help="bank folders or files (default: the bank)")
    validate.add_argument("--format", choices=("text", "json"), default="text", help="output format")

    sim = sub.add_parser("sim", parents=[shared], help="list or run the simulations")
    sim_sub = sim.add_subparsers(dest="sim_command", metavar="ACTION", required=True)
    sim_sub.add_parser("list", parents=[shared], help="every simulation: id, title, claim")
    run = sim_sub.add_parser("run", parents=[shared], help="run one simulation headless")
    run.add_argument("id", help="simulation id (see `quizapp sim list`)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="K=V", help="set a parameter")
    run.add_argument("--counter", action="store_true", help="run the setting where the claim must not hold")
    run.add_argument("--backend", choices=("numpy", "cupy", "auto"), default=None, help="array backend")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `quizapp` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "validate":
            return cmd_validate(args)
        if args.command == "sim":
            return cmd_sim_list(args) if args.sim_command == "list" else cmd_sim_run(args)
        return cmd_tui(args)
    except UsageError as exc:
        print(f"quizapp: error: {exc}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `quizapp validate | head`: the reader left, which is not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK


def _bank_dir(args: argparse.Namespace) -> Path:
    from .locations import bundled_bank

    bank = getattr(args, "bank", None)
    path = Path(bank) if bank else bundled_bank()
    if not path.is_dir():
        raise UsageError(f"no bank folder at {path}")
    return path


def cmd_validate(args: argparse.Namespace) -> int:
    """`quizapp validate [PATH ...]`: every problem as PATH:LINE:COL: message, then a count."""
    from .bank import summary, validate_paths

    paths = [Path(p) for p in args.paths] or [_bank_dir(args)]
    problems = validate_paths(paths)
    if args.format == "json":
        print(json.dumps([p.as_json() for p in problems], indent=2))
    else:
        for problem in problems:
            print(problem)
        print(summary(problems))
    return PROBLEMS if problems else OK


def cmd_sim_list(args: argparse.Namespace) -> int:
    """`quizapp sim list`: id, title and claim of every simulation."""
    import sims

    for simulation in sims.all_simulations():
        print(f"{simulation.id}\n  {simulation.title}\n  claim: {simulation.claim}\n")
    return OK


def _parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """K=V pairs; values read as JSON where they parse (numbers, true/false, lists), else as text."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set takes KEY=VALUE, got '{pair}'")
        try:
            values[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            values[key.strip()] = raw
    return values


def cmd_sim_run(args: argparse.Namespace) -> int:
    """`quizapp sim run ID`: run headless, print the verdict (or one JSON object with --json)."""
    from pydantic import ValidationError

    import sims

    from .progress import StderrProgress

    try:
        simulation = sims.get(args.id)
    except sims.UnknownSimulation as exc:
        raise UsageError(str(exc)) from None
    overrides = _parse_overrides(args.overrides)
    progress = StderrProgress(simulation.id)
    try:
        result = sims.run_simulation(
            simulation, overrides, counter=args.counter, backend=args.backend, on_frame=progress.update
        )
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'params'}: {e['msg']}" for e in exc.errors())
        raise UsageError(f"invalid parameters for '{simulation.id}': {details}") from None
    except sims.BackendUnavailable as exc:
        raise UsageError(str(exc)) from None
    finally:
        progress.close()
    if args.json:
        print(json.dumps(result.as_json()))
    else:
        mark = "claim holds" if result.verdict.holds else "claim does not hold"
        print(f"{simulation.id}: {mark}")
        print(f"  claim:    {simulation.claim}")
        print(f"  params:   {', '.join(f'{k}={v}' for k, v in result.params.items())}")
        print(f"  summary:  {result.verdict.summary}")
        for key, value in result.verdict.measured.items():
            print(f"  {key}: {value}")
        print(f"  backend {result.backend}, {result.seconds:.3f} s")
    return OK


def cmd_tui(args: argparse.Namespace) -> int:
    """The TUI: home screen, or straight into study mode."""
    from .bank import load_bank
    from .locations import data_dir
    from .store import StoreError

    bank_dir = _bank_dir(args)
    loaded = load_bank(bank_dir)
    if loaded.bank is None:
        for problem in loaded.problems:
            print(problem, file=sys.stderr)
        print(f"quizapp: the bank at {bank_dir} cannot be opened (see above)", file=sys.stderr)
        return PROBLEMS
    from .ui import make_app

    start = "study" if args.command == "study" else "home"
    try:
        app = make_app(
            bank_dir,
            data_dir(getattr(args, "data_dir", None)),
            start=start,
            domain=getattr(args, "domain", None),
            tag=getattr(args, "tag", None),
        )
        app.run()
    except StoreError as exc:
        print(f"quizapp: {exc}", file=sys.stderr)
        return PROBLEMS
    return int(app.return_code or 0)
