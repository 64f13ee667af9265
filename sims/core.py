"""The simulation contract: what a simulation is, what it yields, and how a run is decided.

A simulation proves (or refutes) one claim by computing it, in two separate steps: ``measure``
computes (yielding :class:`Frame` objects as it goes, the last one carrying the ``measured`` numbers),
and the pure ``decide`` turns those numbers into a :class:`Verdict`. ``run`` joins the two; nobody
overrides it. Nothing here imports Textual or any quizapp module.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

Number = float | int | bool | str


@dataclass(frozen=True)
class Series:
    """One named line of a plot: x and y values as plain host floats."""

    name: str
    x: tuple[float, ...]
    y: tuple[float, ...]

    @classmethod
    def of(cls, name: str, x: Any, y: Any) -> Series:
        """Build a series from any sequences or arrays (NumPy or CuPy), copied to host floats."""
        return cls(name, tuple(float(v) for v in _host(x)), tuple(float(v) for v in _host(y)))


@dataclass(frozen=True)
class Verdict:
    """The decision of a run: whether the claim held, a one-line summary, the numbers behind it."""

    holds: bool
    summary: str
    measured: Mapping[str, Number] = field(default_factory=dict)


@dataclass(frozen=True)
class Frame:
    """A snapshot of a running simulation.

    ``progress`` runs from 0 to 1, ``series`` holds everything computed so far (each frame is
    complete, so a viewer can draw only the latest), and only the final frame has a ``verdict``.
    """

    progress: float
    message: str
    series: tuple[Series, ...] = ()
    verdict: Verdict | None = None
    measured: Mapping[str, Number] | None = None
    """Set only on the last frame ``measure`` yields: the plain numbers ``decide`` reads."""


@dataclass(frozen=True)
class Probe:
    """A setting beyond default and counter, with the verdict the science predicts for it.

    ``params`` are overrides on top of the defaults; ``why`` is a one-line reason (a paper, the
    arithmetic, a theorem) that the verdict must be ``holds``.
    """

    params: Mapping[str, Any]
    holds: bool
    why: str


class SimParams(BaseModel):
    """Base for every simulation's ``Params``: unknown keys are refused, values are validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


@dataclass(frozen=True)
class PlotSpec:
    """How a viewer should draw a simulation's series."""

    x_label: str = "x"
    y_label: str = "y"
    log_y: bool = False
    log_x: bool = False
    x_integer: bool = False
    """The x axis counts things (layers, tokens, steps): a viewer puts ticks on whole numbers only."""
    y_integer: bool = False
    """The y axis counts things: whole-number ticks only."""


class Simulation(ABC):
    """One claim, proven by computation. Subclasses are registered under a kebab-case ``id``."""

    id: ClassVar[str]
    title: ClassVar[str]
    claim: ClassVar[str]
    Params: ClassVar[type[SimParams]]
    counter: ClassVar[dict[str, Any]]
    plot: ClassVar[PlotSpec] = PlotSpec()
    explains: ClassVar[str] = ""
    """A short 'what this proves' text shown beside the run."""
    quantities: ClassVar[Mapping[str, str]] = {}
    """A readable label for each key of ``measured`` (``$math$`` allowed, with the unit if it has one),
    shown instead of the raw key wherever the measured numbers are listed."""
    headline: ClassVar[str | None] = None
    """The key of ``measured`` that is the run's headline number, which a learner can estimate before
    running (predict, then run); None when no single number is the point. It has a ``quantities`` label."""
    timed: ClassVar[frozenset[str]] = frozenset()
    """Measured keys that come from a clock: they differ from run to run, everything else must not."""
    gpu_params: ClassVar[dict[str, Any]] = {}
    """Overrides under which a GPU shows what the defaults show on a CPU (a timing claim may need
    sizes large enough to fill the device); used by the CuPy tests and benchmarks/gpu_check.py."""

    probes: ClassVar[tuple[Probe, ...]] = ()
    """At least three settings beyond default and counter, each with its predicted verdict."""
    data_flip: ClassVar[dict[str, Any] | None] = None
    """Overrides whose measurements, decided with the DEFAULT params, must not hold; None means the
    counter's. Set it only when deciding the counter's numbers with default params is meaningless."""
    data_flip_why: ClassVar[str] = ""
    """Why the counter pairing is meaningless (required when ``data_flip`` is set)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "run" in cls.__dict__:
            raise TypeError(f"{cls.__name__} overrides run: implement measure and decide, run joins them")

    def params(self, overrides: Mapping[str, Any] | None = None, *, counter: bool = False) -> SimParams:
        """The validated parameters: defaults, then the counter setting if asked, then overrides."""
        values: dict[str, Any] = dict(self.counter) if counter else {}
        values.update(overrides or {})
        return self.Params(**values)

    @abstractmethod
    def measure(self, params: Any, xp: Any) -> Iterator[Frame]:
        """Compute the evidence with array module ``xp``, yielding progress frames.

        The last frame carries ``measured`` (plain JSON numbers, bools, strings) and the full series,
        and no verdict.
        """

    @abstractmethod
    def decide(self, measured: Mapping[str, Number], params: Any) -> Verdict:
        """The verdict from the measured numbers: pure (no xp, no clock, no randomness). ``params``
        may only supply thresholds and labels; the returned Verdict carries ``measured``."""

    def run(self, params: Any, xp: Any) -> Iterator[Frame]:
        """Yield ``measure``'s frames; the last comes back with ``verdict=decide(measured, params)``."""
        final: Frame | None = None
        for frame in self.measure(params, xp):
            if final is not None:
                raise RuntimeError(f"simulation '{self.id}': measure yielded a frame after the measured one")
            if frame.verdict is not None:
                raise RuntimeError(f"simulation '{self.id}': measure must not decide a verdict")
            if frame.measured is None:
                yield frame  # progress goes out at once; only the measured frame waits for decide
            else:
                final = frame
        if final is None or final.measured is None:
            raise RuntimeError(f"simulation '{self.id}': measure's last frame carries no measured numbers")
        yield replace(final, verdict=self.decide(final.measured, params))


def _host(values: Any) -> Any:
    """Bring an array (NumPy or CuPy) or sequence back to host memory as something iterable."""
    get = getattr(values, "get", None)
    if callable(get) and type(values).__module__.startswith("cupy"):
        return get()
    return values


def fit_slope(x: Any, y: Any) -> float:
    """Least-squares slope of log(y) against log(x): the exponent of a power law.

    Needs at least two distinct x values (ValueError otherwise).
    """
    xs = [math.log(float(v)) for v in _host(x)]
    ys = [math.log(float(v)) for v in _host(y)]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((a - mx) ** 2 for a in xs)
    if sxx == 0:
        raise ValueError("a slope needs at least two distinct x values")
    return sum((a - mx) * (b - my) for a, b in zip(xs, ys, strict=True)) / sxx
