"""Folds spread over devices: the same results on 1, 2, 4 and 8 (forced CPU) devices.

JAX fixes the number of CPU devices when its backend starts, so the 8-device runs
happen in one subprocess (``tests/_sharding_worker.py``) that runs every case; the
reference is the plain one-device program run here, in this one-device process,
while the subprocess runs. Budget: ~35 s on one loaded core (the subprocess compiles
about fifteen tiny programs; a chunk program is compiled once and loaded on every
device that runs it).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from fnn import cv

_HERE = Path(__file__).resolve().parent


def _load_worker():
    """The worker module, loaded once per process (its one-device reference is cached on it)."""
    if "_sharding_worker" not in sys.modules:
        spec = importlib.util.spec_from_file_location("_sharding_worker", _HERE / "_sharding_worker.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["_sharding_worker"] = module
        spec.loader.exec_module(module)
    return sys.modules["_sharding_worker"]


worker = _load_worker()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """``(sharded, reference)``: the subprocess's results and this process's one-device ones."""
    path = tmp_path_factory.mktemp("sharding") / "out.npz"
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)  # the worker asks for its 8 devices itself
    proc = subprocess.Popen(
        [sys.executable, str(_HERE / "_sharding_worker.py"), str(path)],
        env=env,
        cwd=_HERE.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        reference = {**worker.reference("kfold"), **worker.reference("masks_and_grid")}  # while it runs
        log = proc.communicate(timeout=600)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == 0, log[-4000:]
    return dict(np.load(path)), reference


@pytest.mark.parametrize("devices", ["1", "2", "4", "8"])
def test_with_a_fixed_chunk_size_results_are_bitwise_those_of_one_device(runs, devices):
    # Chunks of 2 folds: every device runs the same single-device program on the same
    # shapes as the unsharded run, so every bit agrees (5 folds: 3 chunks on 1 device,
    # 2 and 1 on 2 devices, one chunk each on 3 of 4 or 8 devices).
    sharded, reference = runs
    assert int(sharded[f"kfold2/{devices}/n_devices"]) == int(devices)
    for part in ("test", "train", "params"):
        np.testing.assert_array_equal(sharded[f"kfold2/{devices}/{part}"], reference[f"kfold2/plain/{part}"])


@pytest.mark.parametrize("devices", ["1", "2", "4", "8"])
def test_with_one_chunk_per_device_results_agree_to_float32_rounding(runs, devices):
    sharded, reference = runs
    assert int(sharded[f"kfold/{devices}/n_devices"]) == int(devices)
    # A device's chunk is ceil(5 / devices) folds: XLA's CPU code for 5 folds at once
    # may round differently from the code for 3 (vector widths, remainder loops), so
    # parameters agree to float32 rounding; here the scores come out the same.
    for part in ("test", "train"):
        np.testing.assert_array_equal(sharded[f"kfold/{devices}/{part}"], reference[f"kfold/plain/{part}"])
    np.testing.assert_allclose(
        sharded[f"kfold/{devices}/params"], reference["kfold/plain/params"], rtol=1e-5, atol=2e-6
    )
    if devices == "1":  # the same program on the same shapes: bitwise
        np.testing.assert_array_equal(sharded["kfold/1/params"], reference["kfold/plain/params"])


@pytest.mark.parametrize("devices", ["2", "4", "8"])
def test_the_cost_models_chunks_on_several_devices_agree_with_one_device(runs, devices):
    # "auto" spreads one chunk per core: on 8 devices of a 2-core machine, chunks of 1 on
    # 5 devices; on the one-device reference, chunks of ceil(5 / cores). Different
    # chunk shapes: float32 rounding, as without chunk_size.
    sharded, reference = runs
    for part in ("test", "train"):
        np.testing.assert_array_equal(sharded[f"kfold_auto/{devices}/{part}"], reference[f"kfold_auto/plain/{part}"])
    np.testing.assert_allclose(
        sharded[f"kfold_auto/{devices}/params"], reference["kfold_auto/plain/params"], rtol=1e-5, atol=2e-6
    )


def test_padding_folds_are_dropped(runs):
    sharded, _ = runs
    # 5 folds on 8 devices: 3 padding folds, none returned
    assert sharded["kfold/8/test"].shape == (5,) and sharded["kfold/8/params"].shape[0] == 5
    assert np.all(np.isfinite(sharded["kfold/8/test"]))


def test_overlapping_chunked_folds_and_grids_on_eight_devices(runs):
    sharded, reference = runs
    np.testing.assert_array_equal(sharded["masks_chunked/8/test"], reference["masks_chunked/plain/test"])
    np.testing.assert_array_equal(sharded["masks_chunked/8/params"], reference["masks_chunked/plain/params"])
    # 3 settings x 5 folds = 15 in chunks of 4: 4 chunks on 8 devices (or 1)
    np.testing.assert_array_equal(sharded["grid/8/test"], reference["grid/plain/test"])


def test_a_second_run_with_new_data_seed_and_learning_rates_compiles_nothing(runs):
    sharded, _ = runs
    assert int(sharded["device_count"]) == 8
    assert int(sharded["recompiles"]) == 0


def test_one_partitioned_program_or_one_chunk_program_for_all_devices(runs):
    sharded, _ = runs
    assert int(sharded["compiles/None"]) == 1  # shard_map over 8 devices: compiled once
    # 5 folds in chunks of 2 on 3 devices: compiled for the first, loaded on the other two
    assert int(sharded["compiles/2"]) == 1


def test_the_engine_on_eight_devices(runs):
    sharded, _ = runs
    # 7 entries in chunks of 2 on 8 devices: 4 devices run one chunk each, the program
    # compiled once and loaded on 3 of them; then on device 0 alone the same program
    # (cached) runs all 4 chunks; the whole is one partitioned program of one entry per device.
    np.testing.assert_array_equal(sharded["engine/compiles"], [1, 0, 1])
    np.testing.assert_array_equal(sharded["engine/chunks"], sharded["engine/one"])
    assert sharded["engine/chunks"].shape == (7, 4)
    # float32 rounding: the partitioned program computes sin on rows of 1 entry, not 2
    np.testing.assert_allclose(sharded["engine/whole"], sharded["engine/one"], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "devices, error, match",
    [
        ([], ValueError, "empty"),
        ("cpu", TypeError, "list of jax devices"),
        ([0, 1], TypeError, "must hold jax devices"),
        ("twice", ValueError, "twice"),
        ("one", TypeError, "write devices="),
    ],
)
def test_bad_devices_are_rejected_before_compiling(devices, error, match):
    if devices == "twice":
        devices = [jax.devices()[0]] * 2
    elif devices == "one":
        devices = jax.devices()[0]
    X, y = worker.data()
    with pytest.raises(error, match=match):
        cv.cross_validate(worker.fit_fn, worker.score_fn, X, y, 5, key=jax.random.key(0), devices=devices)
    with pytest.raises(error, match=match):
        cv.grid_search(worker.fit_fn, worker.score_fn, X, y, 5, {"lr": [0.1]}, key=jax.random.key(0), devices=devices)
