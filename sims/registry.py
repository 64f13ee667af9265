"""The registry of simulations by id, filled by the ``@register`` decorator on each subclass."""

from __future__ import annotations

import difflib
import re

from .core import Simulation

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_REGISTRY: dict[str, type[Simulation]] = {}


class UnknownSimulation(KeyError):
    """Raised for an id that no simulation has; ``suggestion`` is the closest id, if any."""

    def __init__(self, sim_id: str) -> None:
        self.sim_id = sim_id
        self.suggestion = suggest(sim_id)
        hint = f" (did you mean '{self.suggestion}'?)" if self.suggestion else ""
        super().__init__(f"unknown simulation '{sim_id}'{hint}")

    def __str__(self) -> str:
        return self.args[0]


def register(cls: type[Simulation]) -> type[Simulation]:
    """Class decorator: add a simulation to the registry under its kebab-case ``id``."""
    if not _ID.match(getattr(cls, "id", "")):
        raise ValueError(f"{cls.__name__}.id must be kebab-case, got {getattr(cls, 'id', None)!r}")
    if cls.id in _REGISTRY and _REGISTRY[cls.id] is not cls:
        raise ValueError(f"simulation id '{cls.id}' registered twice")
    cls.Params()  # defaults, counter, probes and data flip must all validate: a refusal is a programming error
    cls.Params(**cls.counter)
    for probe in cls.probes:
        cls.Params(**probe.params)
        if not probe.why.strip():
            raise ValueError(f"{cls.id}: every probe needs a one-line reason")
    if cls.data_flip is not None:
        cls.Params(**cls.data_flip)
        if not cls.data_flip_why.strip():
            raise ValueError(
                f"{cls.id}: data_flip needs data_flip_why (why the counter pairing is meaningless)"
            )
    _REGISTRY[cls.id] = cls
    return cls


def unregister(sim_id: str) -> None:
    """Remove a simulation from the registry (for tests that register throwaway ones)."""
    _REGISTRY.pop(sim_id, None)


def get(sim_id: str) -> Simulation:
    """A fresh instance of the simulation with this id; :class:`UnknownSimulation` if none."""
    try:
        return _REGISTRY[sim_id]()
    except KeyError:
        raise UnknownSimulation(sim_id) from None


def ids() -> list[str]:
    """Every registered id, sorted."""
    return sorted(_REGISTRY)


def all_simulations() -> list[Simulation]:
    """An instance of every registered simulation, sorted by id."""
    return [_REGISTRY[i]() for i in ids()]


def suggest(sim_id: str) -> str | None:
    """The closest registered id to a mistyped one, or None."""
    close = difflib.get_close_matches(sim_id, list(_REGISTRY), n=1, cutoff=0.6)
    return close[0] if close else None
