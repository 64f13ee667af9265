"""Simulations that prove the bank's claims by computing them (NumPy, or CuPy on a CUDA GPU).

Public API: the contract (:class:`Simulation`, :class:`Frame`, :class:`Verdict`, :class:`Series`,
:class:`SimParams`, :class:`PlotSpec`, :class:`Probe`), the registry (:func:`get`, :func:`ids`,
:func:`all_simulations`, :func:`register`), and :func:`run_simulation`.
This package never imports Textual or quizapp.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

from .backend import BACKENDS, BackendUnavailable, resolve, synchronize, to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict, fit_slope
from .isolated import run_isolated
from .registry import UnknownSimulation, all_simulations, get, ids, register, suggest
from .runner import Cancelled, RunResult, SimulationFailed, run_simulation

# Every other module in this package defines simulations and registers them when imported.
_INFRASTRUCTURE = {"backend", "core", "registry", "runner", "kernels", "isolated"}
for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name not in _INFRASTRUCTURE and not _info.name.startswith("_"):
        import_module(f"{__name__}.{_info.name}")

__all__ = [
    "BACKENDS",
    "BackendUnavailable",
    "Cancelled",
    "Frame",
    "PlotSpec",
    "Probe",
    "RunResult",
    "Series",
    "SimParams",
    "Simulation",
    "SimulationFailed",
    "UnknownSimulation",
    "Verdict",
    "all_simulations",
    "fit_slope",
    "get",
    "ids",
    "register",
    "resolve",
    "run_isolated",
    "run_simulation",
    "suggest",
    "synchronize",
    "to_host",
]
