"""What to study next: due reviews first (most overdue first), then new questions, interleaved
across domains; and how many are due today and on each of the next days. Pure logic on FSRS cards.

"Today" ends at the next local midnight (``tz``; the machine's zone by default), as Anki counts it:
a card due at 18:00 is offered in a 09:00 session of the same day.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from fsrs import Card

DAY = timedelta(days=1)


def end_of_day(now: datetime, tz: tzinfo | None = None) -> datetime:
    """The next midnight after ``now`` in ``tz`` (the local zone when None), in UTC."""
    local = now.astimezone(tz)
    midnight = datetime.combine(local.date() + DAY, time(0), tzinfo=local.tzinfo)
    return midnight.astimezone(UTC)


def local_date(moment: datetime, tz: tzinfo | None = None) -> date:
    """The calendar date of ``moment`` in ``tz`` (the local zone when None)."""
    return moment.astimezone(tz).date()


def _round_robin(groups: Sequence[list[str]]) -> list[str]:
    """One from each group in turn until all are used: [a1, b1, c1, a2, b2, ...]."""
    out: list[str] = []
    depth = max((len(g) for g in groups), default=0)
    for i in range(depth):
        out.extend(g[i] for g in groups if i < len(g))
    return out


def due_order(
    cards: Mapping[str, Card],
    index: Sequence[tuple[str, str]],
    now: datetime,
    *,
    seed: int = 0,
    limit: int | None = None,
    new_limit: int | None = None,
    exclude: Collection[str] = (),
    tz: tzinfo | None = None,
) -> list[str]:
    """Question ids to study now: cards due today first, then questions never answered.

    ``index`` is the bank's (id, domain) pairs in bank order; questions not in it (removed from the
    bank) and those in ``exclude`` (an unfinished exam's) are left out. Due cards come in order of
    how many whole days overdue they are, most first; within the same day they take turns across
    domains, earliest due first in each. New questions are shuffled within their domain by ``seed``
    and take turns across domains too, at most ``new_limit`` of them. At most ``limit`` in all.
    The same arguments always give the same order.
    """
    rng = random.Random(seed)
    horizon = end_of_day(now, tz)
    domains: list[str] = []
    for _, domain in index:
        if domain not in domains:
            domains.append(domain)
    buckets: dict[int, dict[str, list[tuple[datetime, float, str]]]] = {}
    new: dict[str, list[str]] = {d: [] for d in domains}
    for qid, domain in index:
        if qid in exclude:
            continue
        card = cards.get(qid)
        if card is None:
            new[domain].append(qid)
        elif card.due < horizon:
            overdue = (now - card.due) // DAY  # whole days; -1 for later today
            buckets.setdefault(overdue, {}).setdefault(domain, []).append((card.due, rng.random(), qid))
    due: list[str] = []
    for overdue in sorted(buckets, reverse=True):
        groups = [sorted(g) for g in buckets[overdue].values()]
        groups.sort(key=lambda g: g[0][:2])  # the domain with the most overdue card goes first
        due.extend(_round_robin([[qid for _, _, qid in g] for g in groups]))
    start = rng.randrange(len(domains)) if domains else 0
    turns = domains[start:] + domains[:start]
    for domain in turns:
        rng.shuffle(new[domain])
    fresh = _round_robin([new[d] for d in turns])
    if new_limit is not None:
        fresh = fresh[: max(0, new_limit)]
    order = due + fresh
    return order if limit is None else order[: max(0, limit)]


@dataclass(frozen=True)
class DueForecast:
    """What is due: today (overdue included), questions never answered, and each of the next days."""

    today: int
    new: int
    days: list[tuple[date, int]]
    """(date, cards due that day) for the days after today."""
    next_due: datetime | None = None
    """When the earliest card falls due (overdue ones included); None with no cards. What home says
    when nothing is due and nothing is new."""

    @property
    def week(self) -> int:
        """Cards due over the next days (today not included)."""
        return sum(n for _, n in self.days)

    def as_json(self) -> dict[str, object]:
        """For `stats --json`: {"today", "new", "days": [{"date", "due"}]}."""
        return {
            "today": self.today,
            "new": self.new,
            "days": [{"date": d.isoformat(), "due": n} for d, n in self.days],
        }


def forecast(
    cards: Mapping[str, Card],
    question_ids: Collection[str],
    now: datetime,
    *,
    days: int = 7,
    tz: tzinfo | None = None,
) -> DueForecast:
    """Due today, new, and due on each of the next ``days`` days, over the questions in
    ``question_ids`` (cards of questions no longer in the bank are not counted)."""
    horizon = end_of_day(now, tz)
    today_date = local_date(now, tz)
    per_day = [0] * days
    today = 0
    earliest: datetime | None = None
    for qid in question_ids:
        card = cards.get(qid)
        if card is None:
            continue
        if earliest is None or card.due < earliest:
            earliest = card.due
        if card.due < horizon:
            today += 1
        else:
            ahead = (card.due - horizon) // DAY
            if ahead < days:
                per_day[ahead] += 1
    new = sum(qid not in cards for qid in question_ids)
    return DueForecast(today, new, [(today_date + DAY * (i + 1), n) for i, n in enumerate(per_day)], earliest)
