"""Predict, then run: before a simulation runs the learner commits a prediction (the claim holds or
fails at these settings, and optionally an estimate of one measured number); the run grades it.
Core module: the store keeps every prediction; `quizapp stats` reports how often they were right.

An estimate counts as right within a stated tolerance of the measured value:

- ``linear`` scale: within ``RELATIVE`` (25%) of it, ``|estimate - actual| <= 0.25 * |actual|``
  (so an actual value of 0 needs an estimate of exactly 0);
- ``log`` scale, for quantities that span decades (a simulation that plots its numbers on a log
  axis, ``PlotSpec.log_y``): within a factor of ``FACTOR`` (2) either way, ``|log10(estimate /
  actual)| <= log10 2``. Both numbers must then be positive; otherwise the linear rule applies.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .store import Store

Scale = Literal["linear", "log"]
RELATIVE = 0.25
FACTOR = 2.0


def estimate_right(estimate: float, actual: float, scale: Scale = "linear") -> bool:
    """Whether an estimate is within the tolerance of the actual value (see the module docstring)."""
    if scale == "log" and estimate > 0 and actual > 0:
        return abs(math.log10(estimate / actual)) <= math.log10(FACTOR) + 1e-12
    return abs(estimate - actual) <= RELATIVE * abs(actual) + 1e-12 * max(1.0, abs(actual))


def tolerance_words(scale: Scale) -> str:
    """The tolerance in words: 'within 25%' or 'within a factor of 2'."""
    return f"within a factor of {FACTOR:g}" if scale == "log" else f"within {RELATIVE:.0%}"


def scale_of(simulation: Any) -> Scale:
    """'log' when the simulation plots its numbers on a log axis (they span decades), else 'linear'."""
    plot = getattr(simulation, "plot", None)
    return "log" if getattr(plot, "log_y", False) else "linear"


@dataclass(frozen=True)
class Prediction:
    """A committed prediction and, once its run finished, how it went."""

    id: int
    sim_id: str
    params: dict[str, Any]
    holds: bool
    estimate: float | None
    headline: str | None
    """The key of ``measured`` the estimate is of."""
    scale: Scale
    at: float
    actual_holds: bool | None = None
    actual_value: float | None = None
    holds_right: bool | None = None
    estimate_right: bool | None = None
    graded: float | None = None
    """When the run graded it; None while it is not graded (the run failed or was cancelled)."""

    def as_json(self) -> dict[str, Any]:
        """For `stats --json`."""
        return {
            "id": self.id,
            "sim": self.sim_id,
            "params": self.params,
            "predicted_holds": self.holds,
            "estimate": self.estimate,
            "headline": self.headline,
            "scale": self.scale,
            "actual_holds": self.actual_holds,
            "actual_value": self.actual_value,
            "holds_right": self.holds_right,
            "estimate_right": self.estimate_right,
            "graded": self.graded is not None,
        }


@dataclass(frozen=True)
class PredictionSummary:
    """How often predictions were right: the verdict, and the estimates that were made."""

    made: int
    graded: int
    holds_right: int
    estimates: int
    estimates_right: int

    @property
    def holds_accuracy(self) -> float | None:
        """The share of graded predictions whose holds/fails was right."""
        return self.holds_right / self.graded if self.graded else None

    @property
    def estimate_accuracy(self) -> float | None:
        """The share of graded estimates within the tolerance."""
        return self.estimates_right / self.estimates if self.estimates else None

    def as_json(self) -> dict[str, Any]:
        """For `stats --json`."""
        return {
            "made": self.made,
            "graded": self.graded,
            "holds_right": self.holds_right,
            "holds_accuracy": self.holds_accuracy,
            "estimates": self.estimates,
            "estimates_right": self.estimates_right,
            "estimate_accuracy": self.estimate_accuracy,
        }


def summarize(predictions: list[Prediction]) -> PredictionSummary:
    """Counts over the predictions."""
    graded = [p for p in predictions if p.graded is not None]
    estimates = [p for p in graded if p.estimate_right is not None]
    return PredictionSummary(
        len(predictions),
        len(graded),
        sum(bool(p.holds_right) for p in graded),
        len(estimates),
        sum(bool(p.estimate_right) for p in estimates),
    )


COLUMNS = (
    "id, sim_id, params, holds, estimate, headline, scale, at, actual_holds, actual_value, holds_right,"
    " estimate_right, graded"
)


def _opt_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _prediction(r: Any) -> Prediction:
    return Prediction(
        r[0],
        r[1],
        json.loads(r[2]),
        bool(r[3]),
        r[4],
        r[5],
        "log" if r[6] == "log" else "linear",
        r[7],
        _opt_bool(r[8]),
        r[9],
        _opt_bool(r[10]),
        _opt_bool(r[11]),
        r[12],
    )


class Predictions:
    """Predictions in the store; ``wall`` stamps them (tests inject their own)."""

    def __init__(self, store: Store, wall: Callable[[], float] = time.time) -> None:
        self.store = store
        self.wall = wall

    def commit(
        self,
        sim_id: str,
        params: Mapping[str, Any],
        holds: bool,
        *,
        estimate: float | None = None,
        headline: str | None = None,
        scale: Scale = "linear",
    ) -> int:
        """Store a prediction before the run starts; its id, for :meth:`grade`. An estimate needs the
        key of the measured number it is of (``headline``)."""
        if (estimate is None) != (headline is None):
            raise ValueError("an estimate needs the measured key it estimates (headline), and only then")
        if estimate is not None and not math.isfinite(estimate):
            raise ValueError(f"an estimate is a finite number, not {estimate!r}")
        with self.store.transaction() as db:
            cur = db.execute(
                "INSERT INTO predictions(sim_id, params, holds, estimate, headline, scale, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    sim_id,
                    json.dumps(dict(params), sort_keys=True, default=str),
                    int(holds),
                    estimate,
                    headline,
                    scale,
                    self.wall(),
                ),
            )
            return int(cur.lastrowid or 0)

    def grade(self, prediction_id: int, holds: bool, measured: Mapping[str, Any]) -> Prediction:
        """Grade a prediction by its run's verdict and measured numbers, store and return it.

        KeyError when there is no such prediction. An estimate whose key the run did not measure (or
        measured as something other than a number) is left ungraded (``estimate_right`` None)."""
        found = self.get(prediction_id)
        if found is None:
            raise KeyError(prediction_id)
        actual: float | None = None
        right: bool | None = None
        if found.headline is not None and found.estimate is not None:
            value = measured.get(found.headline)
            if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                actual = float(value)
                right = estimate_right(found.estimate, actual, found.scale)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE predictions SET actual_holds = ?, actual_value = ?, holds_right = ?, estimate_right = ?,"
                " graded = ? WHERE id = ?",
                (
                    int(holds),
                    actual,
                    int(holds == found.holds),
                    None if right is None else int(right),
                    self.wall(),
                    prediction_id,
                ),
            )
        graded = self.get(prediction_id)
        assert graded is not None
        return graded

    def get(self, prediction_id: int) -> Prediction | None:
        """One prediction, or None."""
        row = self.store.row(f"SELECT {COLUMNS} FROM predictions WHERE id = ?", (prediction_id,))
        return None if row is None else _prediction(row)

    def all(self) -> list[Prediction]:
        """Every prediction, oldest first."""
        return [_prediction(r) for r in self.store.query(f"SELECT {COLUMNS} FROM predictions ORDER BY id")]
