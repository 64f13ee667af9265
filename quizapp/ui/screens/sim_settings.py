"""The settings a simulation screen knows by name, and how two settings differ, in words.

A screen opened from a question starts at the question's setting (the link's parameters over the
defaults); one opened from the browser starts at the defaults. ``c`` loads the counter setting: over
a question's link, the link's parameters with the counter's overrides on top, when the two combine.
Every run is named after the setting it used, and a verdict whose setting no longer matches the form
is stale: :func:`differences` says how. No Textual here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from sims import Simulation

from ..widgets.sim_tables import fmt

MOST_DIFFERENCES = 3
"""A stale mark names at most this many changed parameters, then says how many more."""


class Settings:
    """The defaults, the question's setting and the counter setting of one simulation screen."""

    def __init__(self, simulation: Simulation, link_params: Mapping[str, Any] | None = None) -> None:
        """``link_params`` come from a question's link; without them the screen starts at the defaults."""
        self.link_params = dict(link_params or {})
        self.defaults: dict[str, Any] = simulation.params().model_dump(mode="json")
        self.link_error: ValidationError | None = None
        """Why the question's setting is refused (a link the bank's checks let through)."""
        try:
            self.start: dict[str, Any] = simulation.params(self.link_params).model_dump(mode="json")
        except ValidationError as exc:  # shown, never run
            self.link_error = exc
            self.start = {**self.defaults, **self.link_params}
        self.counter_over_link = False
        """Whether the counter's overrides apply on top of the link's parameters (else the defaults)."""
        self.counter: dict[str, Any] = simulation.params(counter=True).model_dump(mode="json")
        if self.link_params and self.link_error is None:
            try:
                values = {**self.link_params, **simulation.counter}
                self.counter = simulation.params(values).model_dump(mode="json")
                self.counter_over_link = True
            except ValidationError:  # the two do not combine: the counter over the defaults
                pass

    @property
    def has_question_setting(self) -> bool:
        """Whether the screen came from a question whose link sets parameters of its own."""
        return bool(self.link_params) and self.start != self.defaults

    def name_of(self, values: Mapping[str, Any]) -> str:
        """Name a set of values: the question's setting, the defaults, the counter setting, or yours."""
        if self.link_params and dict(values) == self.start:
            return "question's setting"
        if dict(values) == self.defaults:
            return "defaults"
        if dict(values) == self.counter:
            return "question's setting + counter" if self.counter_over_link else "counter setting"
        return "your setting"

    def changes(self, values: Mapping[str, Any]) -> str:
        """The values that differ from the defaults, as 'steps=80, sigma=3'."""
        return ", ".join(f"{k}={fmt(v)}" for k, v in values.items() if self.defaults.get(k) != v)

    def describe(self, values: Mapping[str, Any]) -> str:
        """The setting's name with what it changes: 'your setting: steps=80', or 'defaults'."""
        name, changed = self.name_of(values), self.changes(values)
        return f"{name}: {changed}" if changed else name


def differences(ran: Mapping[str, Any], form: Mapping[str, Any]) -> str:
    """How the form differs from the setting a run used: 'layers 12 → 99, steps 50 → 80, +1 more'."""
    changed = [f"{k} {fmt(ran[k])} → {_shown(form.get(k))}" for k in ran if not _same(ran[k], form.get(k))]
    if len(changed) > MOST_DIFFERENCES:
        changed = [*changed[:MOST_DIFFERENCES], f"+{len(changed) - MOST_DIFFERENCES} more"]
    return ", ".join(changed)


def _same(ran: Any, shown: Any) -> bool:
    """Whether a run's value and the form's are the same (3 and 3.0 are; True and 1 are not)."""
    if isinstance(ran, bool) or isinstance(shown, bool):
        return ran is shown
    return bool(ran == shown)


def _shown(value: Any) -> str:
    """A form value as the stale mark shows it: numbers compactly, refused text as typed ('' as ∅)."""
    if isinstance(value, str) and not value.strip():
        return "(empty)"
    return fmt(value)
