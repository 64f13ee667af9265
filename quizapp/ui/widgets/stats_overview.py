"""The stats screen's overview, as text: the exam date and the pass probability with its 95%
interval as a bar, the domain table with each domain's readiness, and the notes under it. Pure
functions of a :class:`~quizapp.stats.Stats`, so the screen only places them."""

from __future__ import annotations

from datetime import date

from rich import box
from rich.cells import cell_len, set_cell_size
from rich.table import Table
from rich.text import Text
from textual.content import Content

from ...history import plural
from ...stats import Stats
from ...text import plain

NO_ANSWERS = Content.assemble("No answers yet: press ", ("s", "bold"), " on home to study.")
SET_DATE = Content.assemble(
    "Set an exam date: ", ("quizapp plan --exam-date YYYY-MM-DD", "bold"), " (readiness aims at it)."
)
GAUGE = 30
"""Cells of the pass-probability bar where the width allows."""
MIN_GAUGE = 10
"""The fewest cells the bar narrows to before its line is allowed to wrap."""


def percent(value: float | None) -> str:
    """'63%', or '—' for no value."""
    return "—" if value is None else f"{100 * value:.0f}%"


def gauge(low: float, estimate: float, high: float, width: int = GAUGE) -> Content:
    """A bar to 100%: solid up to the interval's low end, shaded across the interval, dim after it."""
    solid = round(low * width)
    shaded = max(1, round(high * width) - solid) if high > low else 0
    rest = max(0, width - solid - shaded)
    return Content.assemble(
        ("█" * solid, "$accent"), ("▒" * shaded, "$accent 60%"), ("░" * rest, "$foreground 25%")
    )


def exam_lines(stats: Stats, today: date, width: int = 120) -> Content:
    """The exam date (or how to set one) and the pass probability with its 95% interval; the bar
    narrows (to MIN_GAUGE cells) so that its line fits in ``width`` columns."""
    p = stats.pass_estimate
    if stats.exam_date is not None:
        days = (stats.exam_date - today).days
        when = Content.assemble(
            ("Exam on ", "bold"),
            (f"{stats.exam_date:%a} {stats.exam_date.day} {stats.exam_date:%b %Y}", "bold"),
            f", {plural(days, 'day')} away",
        )
        chance = "Pass probability"
    else:
        when = (
            Content.assemble((f"The exam on {stats.passed_date.isoformat()} has passed. ", "bold"), SET_DATE)
            if stats.passed_date
            else SET_DATE
        )
        chance = "Pass probability today"
    head = Content.assemble((f"{chance} ", "bold"), (f"{100 * p.estimate:.0f}%", "bold $text-accent"), "  ")
    tail = Content(f"  95% interval {100 * p.low:.0f}–{100 * p.high:.0f}%")
    cells = max(MIN_GAUGE, min(GAUGE, width - head.cell_length - tail.cell_length))
    line = Content.assemble(head, gauge(p.low, p.estimate, p.high, cells), tail)
    how = Content.styled(
        f"{p.draws:,} simulated {p.questions}-question exams, pass mark {p.pass_percent}%;"
        f" unseen questions at {stats.prior:.2f}",
        "dim",
    )
    return Content("\n").join([when, line, how])


def readiness_cell(value: float | None) -> Text:
    """'███████░░░ 72%': the readiness as a ten-cell bar and a number."""
    if value is None:
        return Text("—", justify="right")
    filled = round(10 * value)
    return Text.assemble(("█" * filled, "bold"), ("░" * (10 - filled), "dim"), f" {percent(value):>4}")


NUMBER_COLUMNS = ("Questions", "Answers", "Accuracy")
READINESS_WIDTH = 15


def domain_table(stats: Stats, width: int = 120) -> Table:
    """Per domain: questions, answers, accuracy and readiness, then all domains together; domain
    titles are cut short (…) to keep the table within ``width`` columns."""
    others = sum(len(name) + 3 for name in NUMBER_COLUMNS) + READINESS_WIDTH + 3  # 3: padding, rule
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
    table.add_column("Domain", overflow="ellipsis", no_wrap=True, max_width=max(12, width - others))
    for name in NUMBER_COLUMNS:
        table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    table.add_column("Readiness", no_wrap=True, min_width=READINESS_WIDTH)
    for d in stats.domains:
        table.add_row(
            Text(d.title), str(d.questions), str(d.answered), percent(d.accuracy), readiness_cell(d.readiness)
        )
    answered = sum(d.answered for d in stats.domains)
    correct = sum(d.correct for d in stats.domains)
    table.add_row(
        Text("All domains", style="bold"),
        str(sum(d.questions for d in stats.domains)),
        str(answered),
        percent(correct / answered if answered else None),
        readiness_cell(stats.readiness),
    )
    return table


def pack(entries: list[Content], width: int, gap: int = 3) -> Content:
    """Entries side by side, as many to a line as fit in ``width`` (one that is wider on its own)."""
    lines: list[list[Content]] = [[]]
    used = 0
    for entry in entries:
        needed = entry.cell_length + (gap if lines[-1] else 0)
        if lines[-1] and used + needed > width:
            lines.append([])
            used, needed = 0, entry.cell_length
        lines[-1].append(entry)
        used += needed
    return Content("\n").join(Content(" " * gap).join(line) for line in lines)


def overview_notes(stats: Stats, width: int = 120) -> Content:
    """Answers by kind, first-try accuracy, and the most-broken requirement, its text cut short (…)
    to keep its line within ``width`` columns."""
    answers = stats.answers
    total = sum(answers.values())
    if not total:
        return NO_ANSWERS
    lines = [
        Content.assemble(
            (plural(total, "answer"), "bold"),
            f": {answers['practice']} practice, {answers['scheduled']} reviews, {answers['exam']} in exams",
            f" · first try right {percent(stats.first_try_accuracy)}"
            if stats.first_try_accuracy is not None
            else "",
        ),
    ]
    top = stats.misconceptions.requirements[:1]
    if top:
        r = top[0]
        text = plain(next(iter(r.texts.values()), r.requirement))
        head = Content.assemble(("Most broken requirement: ", "bold"), "“")
        tail = Content.assemble(f"” ({r.count}×) — ", ("m", "bold"), " lists every misconception")
        room = width - head.cell_length - tail.cell_length
        if cell_len(text) > room:
            text = set_cell_size(text, max(1, room - 1)).rstrip() + "…"
        lines.append(Content.assemble(head, Content(text), tail))
    lines.append(
        Content.styled(
            "Readiness: your chance of a right answer on the exam morning.",
            "dim",
        )
    )
    return Content("\n").join(lines)
