"""The commands that read what the data folder remembers: `quizapp history`, `quizapp plan` and
`quizapp stats`. cli.py parses arguments and calls one of these; like commands.py, nothing here
imports Textual.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .commands import OK, PROBLEMS, UsageError, _bank_dir


def _domain_titles(args: argparse.Namespace) -> dict[str, str]:
    """Domain id -> title from the bank's manifest (ids alone when bank.yaml cannot be read)."""
    from .bank.loader import MANIFEST, read_manifest

    try:
        manifest, _ = read_manifest(_bank_dir(args) / MANIFEST)
    except UsageError:  # no bank folder: history still prints, with domain ids instead of titles
        return {}
    return {d.id: d.title for d in manifest.domains} if manifest is not None else {}


def history(args: argparse.Namespace) -> int:
    """`quizapp history`: past exams (an aligned table or JSON with each status), study totals, or
    every answer as CSV (one row per study answer and per question of a submitted exam)."""
    from .exam_store import ExamStore
    from .history import history_rows, table_lines
    from .locations import data_dir
    from .store import Store, StoreError

    try:
        store = Store.in_dir(data_dir(getattr(args, "data_dir", None)))
    except StoreError as exc:
        print(f"quizapp: {exc}", file=sys.stderr)
        return PROBLEMS
    exams = ExamStore(store)
    if args.csv:
        count = exams.export_answers_csv(Path(args.csv))
        print(
            f"wrote {count} row{'s' if count != 1 else ''} to {args.csv} (study answers and exam questions)"
        )
        return OK
    records = exams.history()
    if args.json:
        print(json.dumps([r.as_json() for r in records], indent=2))
        return OK
    answers = store.answers()
    study = [a for a in answers if a.mode == "study"]
    print(
        f"study: {len(study)} answer{'s' if len(study) != 1 else ''}, {sum(a.correct for a in study)} correct"
    )
    if not records:
        print("no exams yet: `quizapp exam` starts one")
        return OK
    print()
    for line in table_lines(history_rows(records, _domain_titles(args))):
        print(line)
    return OK


def _exam_date(text: str, flag: str = "--exam-date") -> Any:
    """A date given as YYYY-MM-DD that is today or later; a plain usage error otherwise."""
    import re
    from datetime import date

    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise UsageError(f"{flag} takes a date as YYYY-MM-DD (for example 2026-12-01), not '{text}'")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag} {text} is not a date on the calendar") from None
    today = date.today()
    if day < today:
        raise UsageError(
            f"{flag} {text} is in the past (today is {today.isoformat()}): give the day of the exam"
        )
    return day


def _open_store(args: argparse.Namespace) -> Any:
    """The store in the data dir, or None after saying why it cannot be opened."""
    from .locations import data_dir
    from .store import Store, StoreError

    try:
        return Store.in_dir(data_dir(getattr(args, "data_dir", None)))
    except StoreError as exc:
        print(f"quizapp: {exc}", file=sys.stderr)
        return None


def plan(args: argparse.Namespace) -> int:
    """`quizapp plan [--exam-date D] [--prior P]`: store the exam date readiness and the pass
    probability aim at, and the chance counted for a question never answered; print the plan."""
    from .readiness import load_plan, save_plan

    day = _exam_date(args.exam_date) if args.exam_date is not None else None
    if args.prior is not None and not 0.0 <= args.prior <= 1.0:
        raise UsageError(f"--prior is a probability from 0 to 1, not {args.prior:g}")
    store = _open_store(args)
    if store is None:
        return PROBLEMS
    stored = (
        save_plan(store, exam_date=day, prior=args.prior)
        if day or args.prior is not None
        else load_plan(store)
    )
    if stored.exam_date is None:
        print("no exam date yet: `quizapp plan --exam-date YYYY-MM-DD` sets one")
    else:
        from datetime import date

        days = (stored.exam_date - date.today()).days
        print(f"exam date {stored.exam_date.isoformat()} ({days} day{'s' if days != 1 else ''} away)")
    print(f"questions never answered count as right with probability {stored.prior:.2f}")
    return OK


def stats(args: argparse.Namespace) -> int:
    """`quizapp stats [--json] [--exam-date D]`: readiness per domain, the pass probability with its
    interval, what is due, calibration, predictions and misconceptions."""
    from .bank.cache import load_bank_cached
    from .locations import data_dir
    from .stats import build_stats, text_lines

    day = _exam_date(args.exam_date) if args.exam_date is not None else None
    bank_dir = _bank_dir(args)
    loaded = load_bank_cached(bank_dir, data_dir(getattr(args, "data_dir", None)) / "cache")
    if loaded.bank is None:
        for problem in loaded.problems:
            print(problem, file=sys.stderr)
        return PROBLEMS
    store = _open_store(args)
    if store is None:
        return PROBLEMS
    report = build_stats(loaded.bank, store, exam_date=day)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        for line in text_lines(report):
            print(line)
    return OK
