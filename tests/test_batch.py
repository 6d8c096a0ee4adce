"""Batches: sweeps, executors that agree bit for bit, a store that survives kills."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.batch import experiment, run_batch
from sim.batch.experiment import expand_runs, make_chunks
from sim.config import scenario_from_dict
from sim.errors import InputError

SCENARIO = {
    "name": "sweep", "seed": 11, "steps": 100, "replications": 3,
    "network": {"model": "watts_strogatz", "n": 600, "k": 6, "p": 0.1},
    "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.3},
                  "seeding": {"strategy": "random", "count": 2}}],
    "sweep": {"grid": {"messages.promo.rule.p": [0.15, 0.3]},
              "zip": {"messages.promo.seeding.strategy": ["random", "top_degree"],
                      "messages.promo.seeding.count": [1, 3]}},
}


def tables(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (pd.read_parquet(folder / "runs.parquet"),
            pd.read_parquet(folder / "timeseries.parquet"))


def assert_same_tables(left: Path, right: Path) -> None:
    for a, b in zip(tables(left), tables(right), strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_grid_times_zip_and_columns(tmp_path):
    batch = run_batch(scenario_from_dict(SCENARIO), tmp_path / "out")
    runs = batch.runs
    assert batch.complete and len(runs) == 2 * 2 * 3
    assert list(runs.columns[-3:]) == ["messages.promo.rule.p",
                                       "messages.promo.seeding.strategy",
                                       "messages.promo.seeding.count"]
    pairs = runs[["messages.promo.seeding.strategy", "messages.promo.seeding.count"]]
    assert set(map(tuple, pairs.values)) == {("random", 1), ("top_degree", 3)}
    # replication-major run ids: consecutive runs share a replication
    assert runs["run"].tolist() == list(range(12))
    assert runs.groupby("replication")["run"].agg(lambda r: r.max() - r.min()).eq(3).all()


def test_sampled_sweep_is_reproducible_and_within_ranges():
    raw = {**SCENARIO, "sweep": {"sample": {"n": 8, "method": "sobol", "ranges": {
        "messages.promo.rule.p": [0.05, 0.4], "messages.promo.seeding.count": [1, 5]}}}}
    first = expand_runs(scenario_from_dict(raw), replications=1)
    second = expand_runs(scenario_from_dict(raw), replications=1)
    assert [s.values for s in first] == [s.values for s in second]
    for spec in first:
        assert 0.05 <= spec.values["messages.promo.rule.p"] <= 0.4
        assert spec.values["messages.promo.seeding.count"] in (1, 2, 3, 4, 5)
    lhs = expand_runs(scenario_from_dict({**raw, "sweep": {"sample": {
        **raw["sweep"]["sample"], "method": "lhs", "n": 6}}}), replications=1)
    # a Latin hypercube puts exactly one point in each of the n strata of every range
    strata = sorted(int((s.values["messages.promo.rule.p"] - 0.05) / 0.35 * 6) for s in lhs)
    assert strata == list(range(6))
    with pytest.raises(InputError, match=r"sweep\.sample\.n = 6.*power of 2"):
        scenario_from_dict({**raw, "sweep": {"sample": {**raw["sweep"]["sample"], "n": 6}}})


def test_odd_network_k_in_a_sample_is_reported():
    raw = {**SCENARIO, "sweep": {"sample": {"n": 8, "ranges": {"network.k": [3, 9]}}}}
    with pytest.raises(InputError, match=r"sweep\.sample\.ranges\.network\.k"):
        scenario_from_dict(raw, "s.yaml")


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_executors_give_identical_tables(tmp_path, executor):
    scenario = scenario_from_dict(SCENARIO)
    run_batch(scenario, tmp_path / "serial", executor="serial")
    other = run_batch(scenario, tmp_path / executor, executor=executor, workers=2)
    assert other.complete
    assert_same_tables(tmp_path / "serial", tmp_path / executor)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_dask_scheduler_and_two_workers_through_the_cli(tmp_path):
    """A real `dask scheduler` and two `dask worker` processes on 127.0.0.1."""
    bin_dir = Path(sys.executable).parent
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    scheduler = subprocess.Popen(
        [bin_dir / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--dashboard-address", ":0", "--no-show"],
        stdout=open(logs / "scheduler.log", "w"), stderr=subprocess.STDOUT, env=env)
    workers = [subprocess.Popen(
        [bin_dir / "dask", "worker", address, "--nthreads", "1", "--nworkers", "1",
         "--host", "127.0.0.1", "--no-dashboard", "--name", f"w{i}"],
        stdout=open(logs / f"worker{i}.log", "w"), stderr=subprocess.STDOUT, env=env)
        for i in range(2)]
    try:
        from dask.distributed import Client

        deadline = time.time() + 60
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=30)
                    break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        path = tmp_path / "sweep.yaml"
        path.write_text(yaml.safe_dump(SCENARIO, sort_keys=False))
        result = subprocess.run(
            [sys.executable, "-m", "sim.cli", "run", str(path), "--out", str(tmp_path / "dask"),
             "--executor", "dask", "--scheduler", address, "--quiet"],
            capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        run_batch(scenario_from_dict(SCENARIO), tmp_path / "serial", executor="serial",
                  source=str(path))
        assert_same_tables(tmp_path / "serial", tmp_path / "dask")
        worker_logs = "".join((logs / f"worker{i}.log").read_text() for i in range(2))
        assert "Starting Worker" in worker_logs
    finally:
        for process in [*workers, scheduler]:
            process.terminate()
        for process in [*workers, scheduler]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


SLOW = {**SCENARIO, "replications": 40,
        "network": {"model": "watts_strogatz", "n": 20_000, "k": 10, "p": 0.1},
        "sweep": {"grid": {"messages.promo.rule.p": [0.2, 0.3]}}}


def start_batch(path: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", str(path), "--out", str(out),
         "--executor", "serial", "--quiet", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_runs(out: Path, at_least: int, process: subprocess.Popen) -> int:
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        try:
            manifest = json.loads((out / "manifest.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            manifest = {"runs": {}}
        if len(manifest["runs"]) >= at_least:
            return len(manifest["runs"])
        time.sleep(0.05)
    raise AssertionError("the batch finished or stalled before it could be interrupted")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_batch_resumes_to_the_same_tables(tmp_path, how):
    path = tmp_path / "slow.yaml"
    path.write_text(yaml.safe_dump(SLOW, sort_keys=False))
    out = tmp_path / "out"
    process = start_batch(path, out)
    finished_before = wait_for_runs(out, 10, process)
    process.send_signal(how)
    _, stderr = process.communicate(timeout=60)
    manifest = json.loads((out / "manifest.json").read_text())
    n_total = manifest["n_runs"]
    assert finished_before <= len(manifest["runs"]) < n_total
    if how == signal.SIGINT:
        assert process.returncode == 130 and "--resume" in stderr
        assert manifest["status"] == "interrupted"
    # without --resume the folder is refused; with it the finished runs are skipped
    assert start_batch(path, out).wait(timeout=120) == 2
    resumed = start_batch(path, out, "--resume")
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["runs"]) == n_total
    reference = run_batch(scenario_from_dict(SLOW), tmp_path / "uninterrupted",
                          executor="processes", workers=2)
    assert reference.complete
    assert_same_tables(out, tmp_path / "uninterrupted")


def test_resume_refuses_another_scenario(tmp_path):
    run_batch(scenario_from_dict(SCENARIO), tmp_path / "out")
    changed = scenario_from_dict({**SCENARIO, "steps": 99})
    with pytest.raises(InputError, match="to resume"):
        run_batch(changed, tmp_path / "out", resume=True)


def test_chunks_hold_consecutive_runs_and_skip_gaps():
    specs = expand_runs(scenario_from_dict(SCENARIO))
    todo = [s for s in specs if s.run not in {3, 4, 9}]
    chunks = make_chunks(todo, n_workers=1, most=4)
    for chunk in chunks:
        runs = [s.run for s in chunk.specs]
        assert runs == list(range(runs[0], runs[0] + len(runs)))
    assert sorted(s.run for c in chunks for s in c.specs) == [s.run for s in todo]


def test_a_graph_is_built_once_per_replication(tmp_path, monkeypatch):
    built = []
    real_build = experiment.build_network

    def counting_build(spec, rng, n_steps=None):
        built.append(spec)
        return real_build(spec, rng, n_steps)

    monkeypatch.setattr(experiment, "build_network", counting_build)
    experiment._GRAPHS.clear()
    run_batch(scenario_from_dict(SCENARIO), tmp_path / "out", executor="serial")
    assert len(built) == 3  # 3 replications; the 4 points share each one's network


def test_strategy_sweep_scenario_is_identical_under_all_executors(tmp_path):
    """The ready-made sweep, made smaller, under serial, processes and Dask."""
    from sim.config import load_scenario

    path = Path(__file__).resolve().parents[1] / "scenarios" / "strategy_sweep.yaml"
    scenario = load_scenario(path, ["replications=3", "network.n=2000"])
    folders = {}
    for executor in ("serial", "processes", "dask"):
        folders[executor] = tmp_path / executor
        batch = run_batch(scenario, folders[executor], executor=executor, workers=2,
                          source=str(path))
        assert batch.complete and len(batch.runs) == 8 * 3
    assert_same_tables(folders["serial"], folders["processes"])
    assert_same_tables(folders["serial"], folders["dask"])
    runs = pd.read_parquet(folders["serial"] / "runs.parquet")
    hubs = runs[runs["messages.promo.seeding.strategy"] == "top_degree"]
    randoms = runs[runs["messages.promo.seeding.strategy"] == "random"]
    assert hubs["reach"].mean() > randoms["reach"].mean()  # hubs are worth seeding


def test_auto_runs_small_or_threaded_batches_here_and_large_ones_in_processes(
    tmp_path, monkeypatch
):
    """``auto`` never puts processes on top of the kernel's threads, and keeps small
    batches in this process; the tables are the same wherever the runs went."""
    from sim.batch import executors

    shared = {**SCENARIO, "network": {**SCENARIO["network"], "fixed": True}}
    threaded = run_batch(scenario_from_dict(shared), tmp_path / "threaded", executor="auto")
    assert threaded.executor == "serial"  # replications together, on threads
    small = run_batch(scenario_from_dict(SCENARIO), tmp_path / "small", executor="auto")
    assert small.executor == "serial"  # far below SMALL_BATCH_SECONDS
    monkeypatch.setattr(executors, "SMALL_BATCH_SECONDS", 0.0)
    monkeypatch.setattr("sim.batch.engine.SMALL_BATCH_SECONDS", 0.0)
    large = run_batch(scenario_from_dict(SCENARIO), tmp_path / "large", executor="auto",
                      workers=2)
    assert large.executor == "processes"
    assert_same_tables(tmp_path / "small", tmp_path / "large")
