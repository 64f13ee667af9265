"""What home says of the learner's memory: the due line ('Due today 3 · 45 new · next 7 days
▃▁█▂▁▁▅ 11') and, with an exam date ahead, the readiness line; and the count behind them, which the
home screen runs in a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual.content import Content

from ...bank import Bank

if TYPE_CHECKING:
    from ...readiness import PassEstimate
    from ...study.due import DueForecast

SEP = (" · ", "dim")


@dataclass(frozen=True)
class Outlook:
    """What home says of the learner's memory: what is due, and, when an exam date is planned and
    still ahead, the readiness for it and the chance of passing (as `quizapp stats` computes them)."""

    due: DueForecast
    now: datetime
    exam_date: date | None = None
    readiness: float | None = None
    passing: PassEstimate | None = None


def count(bank: Bank, path: Path, wall: Callable[[], float]) -> Outlook:
    """Count what is due and, with an exam date ahead, estimate readiness and the pass probability.
    Runs in a worker thread, so it opens a store of its own (a connection serves one thread) and
    loads the scheduler and NumPy there, never on the way to the first screen."""
    from ...memory import Memory
    from ...readiness import exam_moment, load_plan, pass_probability, recall_probabilities
    from ...store import Store
    from ...study.due import forecast, local_date

    store = Store(path)
    try:
        memory = Memory.for_bank(store, bank, wall=wall)
        now = memory.now()
        cards = memory.cards()
        ids = [qid for qid, _, _ in bank.questions.entries]
        due = forecast(cards, ids, now)
        plan = load_plan(store)
        if plan.exam_date is None or plan.exam_date < local_date(now) or not ids:
            return Outlook(due, now)
        chances = recall_probabilities(cards, ids, exam_moment(plan.exam_date), plan.prior)
        readiness = sum(chances.values()) / len(chances)
        return Outlook(due, now, plan.exam_date, readiness, pass_probability(bank, chances))
    finally:
        store.close()


def day_text(day: date) -> str:
    """'Tue 1 Dec'."""
    return f"{day:%a} {day.day} {day:%b}"


def due_when(due: datetime, now: datetime) -> str:
    """When a card falls due, in local days: 'now', 'later today', 'tomorrow', 'in 4 days (Fri 4 Dec)'."""
    if due <= now:
        return "now"
    days = (due.astimezone().date() - now.astimezone().date()).days
    if days == 0:
        return "later today"
    return "tomorrow" if days == 1 else f"in {days} days ({day_text(due.astimezone().date())})"


BARS = "▁▂▃▄▅▆▇█"


def sparkline(counts: list[int]) -> str:
    """One bar per day, as tall as its count against the busiest day: '▁█▁▄▁▁▁'; a day with nothing
    due is the lowest bar, and any day with something due is taller."""
    peak = max(counts, default=0)
    return "".join(BARS[0] if n == 0 else BARS[max(1, round(7 * n / peak))] for n in counts)


def due_line(due: DueForecast, now: datetime) -> Content:
    """'Due today 3 · 45 new · next 7 days ▃▁█▂▁▁▅ 11 — d studies them'; with nothing due and
    nothing new, when the next review is."""
    parts: list[str | tuple[str, str]]
    if due.today:
        parts = ["Due today ", (str(due.today), "bold")]
    else:
        parts = ["Nothing due today" if due.new else "Nothing due or new"]
    if due.new:
        parts += [SEP, (str(due.new), "bold"), " new"]
    if due.next_due is not None:  # some question was answered: there is a schedule to show
        if not due.today and not due.new:
            parts += [SEP, "next review ", (due_when(due.next_due, now), "bold")]
        counts = [n for _, n in due.days]
        week = [(sparkline(counts), "bold $text-accent"), f" {sum(counts)}"] if any(counts) else ["none"]
        parts += [SEP, f"next {len(counts)} days ", *week]
    if due.today or due.new:
        parts += [("  — ", "dim"), ("d", "bold"), " studies them"]
    return Content.assemble(*parts)


def readiness_line(view: Outlook) -> Content:
    """'Exam Sun 20 Dec, in 20 days · readiness 62% · pass probability 41% (38–44%)'."""
    assert view.exam_date is not None and view.readiness is not None and view.passing is not None
    days = (view.exam_date - view.now.astimezone().date()).days
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    passing = view.passing
    return Content.assemble(
        ("Exam ", "bold"),
        (day_text(view.exam_date), "bold"),
        f", {when}",
        SEP,
        "readiness ",
        (f"{100 * view.readiness:.0f}%", "bold"),
        SEP,
        "pass probability ",
        (f"{100 * passing.estimate:.0f}%", "bold"),
        (f" ({100 * passing.low:.0f}–{100 * passing.high:.0f}%)", "dim"),
    )
