"""A study calendar like GitHub's contribution graph: one column per week, one row per weekday, each
day a cell shaded by how many answers were given that day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from textual.content import Content
from textual.widgets import Static

CELL = "■ "
EMPTY = "· "
SHADES = ("$success 35%", "$success 60%", "$success 80%", "$success")
"""Four shades, lightest for the fewest answers; a day without answers is a dim dot."""
DAY_LABELS = ("Mon ", "    ", "Wed ", "    ", "Fri ", "    ", "Sun ")


def thresholds(counts: Sequence[int]) -> list[int]:
    """The smallest count of each shade above the first: the quartiles of the days with answers, so
    a learner's own busy days are the darkest whatever their volume."""
    busy = sorted(n for n in counts if n > 0)
    if not busy:
        return []
    return [busy[min(len(busy) - 1, (len(busy) * q) // 4)] for q in (1, 2, 3)]


def shade(count: int, cuts: Sequence[int]) -> int:
    """Which of the four shades a day with ``count`` answers gets (0 lightest)."""
    return sum(count >= cut for cut in cuts)


def calendar(days: Sequence[tuple[date, int]]) -> Content:
    """The grid: month names over the weeks they start in, weekday names down the side, then a key.
    ``days`` run from a Monday to today, in order (as :func:`quizapp.stats.activity` gives them)."""
    if not days:
        return Content("")
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    cuts = thresholds([n for _, n in days])
    months: list[str] = []
    last_month = None
    for week in weeks:
        month = week[0][0].month
        months.append(f"{week[0][0]:%b}" if month != last_month else "")
        last_month = month
    lines = [Content.styled(_month_line(months), "dim")]
    for weekday in range(7):
        parts: list[Content | str] = [Content.styled(DAY_LABELS[weekday], "dim")]
        for week in weeks:
            if weekday >= len(week):
                parts.append("  ")
                continue
            count = week[weekday][1]
            parts.append(
                Content.styled(CELL, SHADES[shade(count, cuts)]) if count else Content.styled(EMPTY, "dim")
            )
        lines.append(Content.assemble(*parts))
    key = Content.assemble(
        ("    less ", "dim"),
        Content.styled(EMPTY, "dim"),
        *(Content.styled(CELL, s) for s in SHADES),
        ("more", "dim"),
    )
    return Content("\n").join([*lines, Content(""), key])


def _month_line(months: Sequence[str]) -> str:
    """Month names over the columns where each month begins (two columns a week); a name that would
    run into the next one is left out."""
    line = [" "] * (4 + 2 * len(months) + 3)
    end = 0
    for index, name in enumerate(months):
        at = 4 + 2 * index
        if name and at >= end:
            line[at : at + len(name)] = name
            end = at + len(name) + 1
    return "".join(line).rstrip()


class StudyCalendar(Static):
    """The calendar of the last weeks' answers (see :func:`calendar`)."""

    def show(self, days: Sequence[tuple[date, int]]) -> None:
        """Draw these days."""
        self.update(calendar(days))
