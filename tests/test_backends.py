"""Backends: NumPy always; CuPy, where a GPU is present, must reach the same verdicts."""

from __future__ import annotations

import pytest

import sims
from sims.backend import BackendUnavailable, resolve

cupy_ready = pytest.mark.skipif(resolve("auto")[1] != "cupy", reason="needs CuPy and a CUDA device")


def test_numpy_is_the_default(monkeypatch):
    monkeypatch.delenv("QUIZAPP_BACKEND", raising=False)
    assert resolve()[1] == "numpy"
    assert resolve("auto")[1] in ("numpy", "cupy")


def test_environment_chooses_the_backend(monkeypatch):
    monkeypatch.setenv("QUIZAPP_BACKEND", "numpy")
    assert resolve()[1] == "numpy"
    monkeypatch.setenv("QUIZAPP_BACKEND", "tpu")
    with pytest.raises(BackendUnavailable, match="unknown backend"):
        resolve()


def test_missing_cupy_is_one_clear_error(monkeypatch):
    import sims.backend

    monkeypatch.setattr(sims.backend, "_cupy", lambda: None)
    with pytest.raises(BackendUnavailable, match=r"quizapp\[cuda\]"):
        resolve("cupy")
    assert resolve("auto")[1] == "numpy"


@pytest.mark.gpu
@cupy_ready
@pytest.mark.parametrize("sim_id", sims.ids())
@pytest.mark.parametrize("counter", [False, True], ids=["default", "counter"])
def test_cupy_reaches_the_numpy_verdict(sim_id, counter):
    cpu = sims.run_simulation(sim_id, counter=counter, backend="numpy")
    gpu_settings = {} if counter else sims.get(sim_id).gpu_params
    gpu = sims.run_simulation(sim_id, gpu_settings, counter=counter, backend="cupy")
    assert gpu.backend == "cupy"
    assert gpu.verdict.holds == cpu.verdict.holds == (not counter), gpu.verdict.summary


def test_gpu_params_are_valid_settings():
    for simulation in sims.all_simulations():
        simulation.params(simulation.gpu_params)
