"""What each command does; cli.py parses arguments and calls one of these. History, plan and stats
are in record_commands.py; export and import in export_commands.py.

Textual is imported only by the commands that open the TUI, so the others start fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

OK, PROBLEMS, USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in how the command was called; printed as one line, exit 2."""


def _bank_dir(args: argparse.Namespace) -> Path:
    from .locations import bundled_bank

    bank = getattr(args, "bank", None)
    path = Path(bank) if bank else bundled_bank()
    if not path.is_dir():
        raise UsageError(f"no bank folder at {path}")
    return path


def validate(args: argparse.Namespace) -> int:
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
    for line in _outside_a_bank(paths, "validate"):
        print(line, file=sys.stderr if args.format == "json" else sys.stdout)
    return PROBLEMS if problems else OK


def _outside_a_bank(paths: list[Path], command: str) -> list[str]:
    """A note for each given path that no bank.yaml covers, naming the checks `validate` or `lint`
    could not run on it (one wording for both commands)."""
    from .bank.loader import MANIFEST, nearest_manifest

    checks = ["duplicate question ids across the bank's files"]
    if command == "lint":
        checks += [
            "the claims of its linked simulations",
            "simulation-link and item-writing warnings",
            "near-duplicates against the bank's other questions",
            "the bank summary",
        ]
    alone = [p for p in paths if p.exists() and not (p / MANIFEST).is_file() and nearest_manifest(p) is None]
    skipped = ", ".join(checks)
    return [
        f"note: {path} is in no bank (no bank.yaml above it), so its domain was not checked against a"
        f" bank.yaml, and these checks were not run: {skipped}. Move it into a bank folder to run them."
        for path in alone
    ]


def sim_list(args: argparse.Namespace) -> int:
    """`quizapp sim list`: id, title and claim of every simulation (math as Unicode, like the TUI)."""
    import sims

    from .text import plain

    for simulation in sims.all_simulations():
        print(f"{simulation.id}\n  {plain(simulation.title)}\n  claim: {plain(simulation.claim)}\n")
    return OK


def _simulation(sim_id: str) -> Any:
    """The simulation with this id, or a usage error naming the closest ids."""
    import sims

    try:
        return sims.get(sim_id)
    except sims.UnknownSimulation as exc:
        raise UsageError(str(exc)) from None


def sim_show(args: argparse.Namespace) -> int:
    """`quizapp sim show ID`: the claim, the counter setting, every parameter (type, range, default, help)
    and what each measured number means. Text is plain Unicode; --json keeps the raw ($math$) strings."""
    from .params import fmt, param_rows
    from .text import plain

    simulation = _simulation(args.id)
    rows = param_rows(simulation.Params)
    counter = ", ".join(f"{k}={fmt(v)}" for k, v in simulation.counter.items())
    quantities = dict(simulation.quantities)
    if args.json:
        shown = {
            "id": simulation.id,
            "title": simulation.title,
            "claim": simulation.claim,
            "counter": dict(simulation.counter),
            "parameters": [row.as_json() for row in rows],
            "quantities": [{"key": key, "label": plain(label)} for key, label in quantities.items()],
        }
        print(json.dumps(shown, indent=2, ensure_ascii=False))
        return OK
    print(f"{simulation.id}: {plain(simulation.title)}")
    print(f"  claim:   {plain(simulation.claim)}")
    print(f"  counter: {counter}  (--counter runs it: the claim must not hold there)")
    print("  parameters (--set NAME=VALUE):")
    width = max(len(row.name) for row in rows)
    for row in rows:
        facts = ", ".join(part for part in (row.type, row.range, f"default {fmt(row.default)}") if part)
        print(f"    {row.name:<{width}}  {facts}")
        if row.help:
            print(f"    {'':<{width}}  {plain(row.help)}")
    if quantities:
        print("  measured (the numbers a run reports):")
        width = max(len(key) for key in quantities)
        for key, label in quantities.items():
            print(f"    {key:<{width}}  {plain(label)}")
    return OK


def sim_run(args: argparse.Namespace) -> int:
    """`quizapp sim run ID`: run headless, print the verdict (or one JSON object with --json)."""
    from pydantic import ValidationError

    import sims

    from .params import ParamError, fmt, plain_errors, read_overrides
    from .progress import StderrProgress
    from .text import plain

    simulation = _simulation(args.id)
    try:
        overrides = read_overrides(simulation.Params, args.overrides)
    except ParamError as exc:
        raise UsageError(f"{simulation.id}: {exc}") from None
    progress = StderrProgress(simulation.id)
    try:
        result = sims.run_simulation(
            simulation,
            overrides,
            counter=args.counter,
            backend=args.backend,
            on_frame=progress.update,
        )
    except ValidationError as exc:
        raise UsageError(
            f"{simulation.id}: {plain_errors(exc)} (`quizapp sim show {simulation.id}` lists them)"
        ) from None
    except sims.BackendUnavailable as exc:
        raise UsageError(str(exc)) from None
    finally:
        progress.close()
    quantities = simulation.quantities
    if args.json:
        shown = result.as_json()
        shown["labels"] = {key: plain(quantities[key]) for key in shown["measured"] if key in quantities}
        print(json.dumps(shown, ensure_ascii=False))
    else:
        mark = "claim holds" if result.verdict.holds else "claim does not hold"
        print(f"{simulation.id}: {mark}")
        print(f"  claim:    {plain(simulation.claim)}")
        print(f"  params:   {', '.join(f'{k}={fmt(v)}' for k, v in result.params.items())}")
        print(f"  summary:  {plain(result.verdict.summary)}")
        for key, value in result.verdict.measured.items():
            label = f"  ({plain(quantities[key])})" if key in quantities else ""
            print(f"  {key}: {fmt(value)}{label}")
        print(f"  backend {result.backend}, {result.seconds:.2f} s")
    return OK


def domains(args: argparse.Namespace) -> int:
    """`quizapp domains`: each domain's id (what --domain takes), question count, weight and title."""
    from .bank import load_bank

    bank_dir = _bank_dir(args)
    loaded = load_bank(bank_dir)
    if loaded.bank is None:
        for problem in loaded.problems:
            print(problem, file=sys.stderr)
        return PROBLEMS
    counts = {d: len(ids) for d, ids in loaded.bank.ids_by_domain().items()}
    rows = [(d.id, str(counts.get(d.id, 0)), f"{d.weight:g}", d.title) for d in loaded.bank.manifest.domains]
    widths = [max(len(r[i]) for r in [("id", "questions", "weight", "title"), *rows]) for i in range(3)]
    for row in [("id", "questions", "weight", "title"), *rows]:
        print(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}")
    return OK


def _check_filters(bank_dir: Path, cache_dir: Path, domain: str | None, tag: str | None) -> None:
    """A --domain or --tag the bank does not have is a usage error with the nearest names. The bank is
    read through the start-up cache the app opens next, so checking costs no second parse."""
    if domain is None and tag is None:
        return
    from .bank.cache import load_bank_cached

    bank = load_bank_cached(bank_dir, cache_dir).bank
    if bank is None:
        return  # the app shows why the bank cannot be opened
    import difflib

    for flag, value, known in (
        ("--domain", domain, [d.id for d in bank.manifest.domains]),
        ("--tag", tag, sorted({t for tags in bank.questions.tags() for t in tags})),
    ):
        if value is not None and value not in known:
            close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            listing = ", ".join(known) if len(known) <= 12 else f"{len(known)} of them"
            extra = " (`quizapp domains` lists them)" if flag == "--domain" else ""
            raise UsageError(f"{flag} '{value}' is not in this bank: {hint}known: {listing}{extra}")


def tui(args: argparse.Namespace) -> int:
    """The TUI: home screen, or straight into study mode or an exam (`--resume`: the unfinished one)."""
    bank_dir = _bank_dir(args)
    questions = getattr(args, "questions", None)
    minutes = getattr(args, "minutes", None)
    if questions is not None and questions < 1:
        raise UsageError("--questions must be at least 1")
    if minutes is not None and not minutes > 0:
        raise UsageError("--minutes must be more than 0")
    theme = getattr(args, "theme", None)
    if theme is not None:
        from .ui.theme import unknown_theme

        if problem := unknown_theme(theme):
            raise UsageError(problem)
    from .locations import data_dir

    cache_dir = data_dir(getattr(args, "data_dir", None)) / "cache"
    _check_filters(bank_dir, cache_dir, getattr(args, "domain", None), getattr(args, "tag", None))
    import gc

    # Start-up builds tens of thousands of objects that live as long as the app (Textual, pydantic,
    # the bank), and each automatic collection rescans all of them: pausing the collector until the
    # first screen is drawn took 50 ms off a 350 ms start. The app resumes it (resume_collector).
    gc.disable()
    # Textual writes each frame from a writer thread, which needs the GIL while the main thread goes
    # on with the work that follows a keypress; at Python's default 5 ms switch interval a finished
    # frame waited that long, or longer: 1 ms took Enter-to-verdict from 48 to 34 ms (median).
    sys.setswitchinterval(0.001)
    try:
        return _run_tui(args, bank_dir, questions, minutes)
    finally:
        gc.enable()


def _run_tui(args: argparse.Namespace, bank_dir: Path, questions: int | None, minutes: float | None) -> int:
    """Build the app and run it until it exits."""
    from .locations import data_dir
    from .store import StoreError
    from .ui import make_app

    try:
        app = make_app(
            bank_dir,
            data_dir(getattr(args, "data_dir", None)),
            start=args.command or "home",
            domain=getattr(args, "domain", None),
            tag=getattr(args, "tag", None),
            questions=questions,
            minutes=minutes,
            seed=getattr(args, "seed", None),
            resume=bool(getattr(args, "resume", False)),
            due=bool(getattr(args, "due", False)),
            theme=getattr(args, "theme", None),
        )
    except StoreError as exc:
        print(f"quizapp: {exc}", file=sys.stderr)
        return PROBLEMS
    import os
    import signal
    import threading

    def hang_up(*_: object) -> None:
        """The terminal is gone (ssh dropped, tmux killed): leave instead of spinning on a dead TTY.

        Every answer is already committed, so when a clean exit cannot finish writing to the
        vanished terminal, ending the process outright loses nothing.
        """
        app.exit()
        threading.Timer(2.0, os._exit, (129,)).start()

    if hasattr(signal, "SIGHUP"):  # POSIX only (the CLI refuses Windows before it gets here)
        signal.signal(signal.SIGHUP, hang_up)
    app.run()
    return int(app.return_code or 0)


def lint(args: argparse.Namespace) -> int:
    """`quizapp lint [PATH ...]`: validation problems, failing claims and warnings; exit 1 on errors.

    A progress line on stderr says what it is doing (checking files, running simulations, item-writing
    checks), only when stderr is a terminal and the run lasts more than a moment."""
    from .lint import report
    from .progress import StderrProgress

    paths = [Path(p) for p in args.paths] or [_bank_dir(args)]
    bar = StderrProgress("lint")
    try:
        done = report(paths, backend=args.backend, on_progress=bar.show)
    finally:
        bar.close()
    for finding in done.findings:
        print(finding)
    for line in done.summary:
        print(line)
    errors = sum(f.level == "error" for f in done.findings)
    warnings = len(done.findings) - errors
    print(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
    for line in _outside_a_bank(paths, "lint"):
        print(line)
    return PROBLEMS if errors else OK


def schema(args: argparse.Namespace) -> int:
    """`quizapp schema`: the JSON Schema of a question file (or of bank.yaml with --manifest)."""
    from .bank.models import Manifest
    from .bank.schema import question_file_schema

    document = Manifest.model_json_schema() if args.manifest else question_file_schema()
    print(json.dumps(document, indent=2, ensure_ascii=False))
    return OK


def new(args: argparse.Namespace) -> int:
    """`quizapp new PATH`: write a skeleton, its domain from --domain or from the folder; never overwrites."""
    from .bank.loader import nearest_manifest, read_manifest
    from .bank.rules import NO_BANK
    from .bank.skeleton import folder_domain, refuse_domain, skeleton, slug

    path = Path(args.path)
    if path.suffix not in (".yaml", ".yml"):
        raise UsageError(f"{path}: a question file ends in .yaml or .yml")
    if path.exists():
        raise UsageError(f"{path} already exists; choose a new name")
    existing = next(folder for folder in [path.parent, *path.parent.resolve().parents] if folder.is_dir())
    manifest_path = nearest_manifest(existing)
    manifest = read_manifest(manifest_path)[0] if manifest_path else None
    if manifest_path and manifest is None:
        raise UsageError(f"{manifest_path} has problems; `quizapp validate {manifest_path}` lists them")
    if args.domain is not None:
        refused = refuse_domain(args.domain, manifest, manifest_path)
        if refused:
            raise UsageError(refused)
        domain, told = args.domain, f"domain '{args.domain}' (from --domain)"
        note = "declared in bank.yaml" if manifest else f"not checked: {NO_BANK}"
        if manifest is None:
            told += f"; {NO_BANK.replace('this file', 'it')}"
    elif manifest is not None and manifest_path is not None:
        found = folder_domain(path.parent, manifest_path.parent, manifest)
        declared = ", ".join(d.id for d in manifest.domains)
        if found is not None:
            domain, told = found[0], f"domain '{found[0]}' ({found[1]})"
            note = "`quizapp domains` lists the bank's domains"
        else:
            domain, note = '""', f"one of: {declared}"
            told = f"an empty domain: its folder is none of the bank's domains, so set `domain:` to one of {declared}"
    else:
        domain, note = '""', "no bank.yaml above this file: a domain id of the bank it joins"
        told = (
            "an empty domain: it is in no bank (no bank.yaml above it), so no domain could be chosen or"
            " checked; set `domain:` to a domain id of the bank it joins"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(skeleton(slug(path.stem), domain, str(path), note), encoding="utf-8")
    print(f"wrote {path} with {told}")
    print(f"next: fill in the empty texts, then `quizapp validate {path}`")
    return OK
