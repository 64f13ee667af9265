"""Array backends: NumPy always, CuPy when it is installed and sees a CUDA device."""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any

import numpy as np

BACKENDS = ("numpy", "cupy", "auto")
ENV_VAR = "QUIZAPP_BACKEND"


class BackendUnavailable(RuntimeError):
    """Raised when CuPy is asked for and cannot be used; the message says how to get it."""


def _cupy() -> ModuleType | None:
    """CuPy if it imports and has at least one device, else None."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
        return cupy
    except Exception:  # ImportError, or a CUDA runtime error without a driver
        return None


def resolve(name: str | None = None) -> tuple[Any, str]:
    """The array module and its name for ``name`` (or $QUIZAPP_BACKEND, else numpy).

    ``auto`` picks CuPy only when it imports and sees a device; ``cupy`` insists on it.
    """
    choice = (name or os.environ.get(ENV_VAR) or "numpy").strip().lower()
    if choice not in BACKENDS:
        raise BackendUnavailable(f"unknown backend '{choice}': choose one of {', '.join(BACKENDS)}")
    if choice == "numpy":
        return np, "numpy"
    cp = _cupy()
    if cp is not None:
        return cp, "cupy"
    if choice == "auto":
        return np, "numpy"
    raise BackendUnavailable(
        "the cupy backend needs CuPy and a CUDA GPU: pip install 'quizapp[cuda]' on a machine with one"
    )


def synchronize(xp: Any) -> None:
    """Wait for queued device work, so that a timing measures the work and not its launch."""
    if xp is not np:
        xp.cuda.get_current_stream().synchronize()


def to_host(array: Any) -> np.ndarray:
    """A NumPy copy of an array from either backend."""
    if isinstance(array, np.ndarray):
        return array
    get = getattr(array, "get", None)
    return get() if callable(get) else np.asarray(array)
