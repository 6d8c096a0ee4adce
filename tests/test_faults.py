"""Faults survived (issue 15): workers die with a killed driver, SIGTERM and Ctrl-C end a
batch in one line with its finished runs kept, Dask retries tasks and a lost scheduler
or the last worker gone ends the batch in bounded time, bad --scheduler values are one
line. Real processes, real Dask schedulers and workers on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from sim.batch import executors, run_batch
from sim.batch.executors import ExecutorLost
from sim.config import scenario_from_dict

from .test_batch import free_port
from .test_cli import assert_one_line_error
from .test_store import buzz

LONG = {
    "name": "long", "seed": 5, "steps": 100, "replications": 400,
    "network": {"model": "watts_strogatz", "n": 20_000, "k": 10, "p": 0.1},
    "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.2},
                  "seeding": {"strategy": "random", "count": 2}}],
}
BIN = Path(sys.executable).parent


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left


def runs_done(out: Path) -> int:
    try:
        return len(json.loads((out / "manifest.json").read_text())["runs"])
    except (OSError, ValueError, KeyError):
        return 0


def start_driver(tmp_path: Path, executor: str, **popen) -> tuple[subprocess.Popen, Path]:
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(LONG, sort_keys=False))
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", str(path), "--out", str(out), "--quiet",
         "--executor", executor, "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
    deadline = time.time() + 120
    while runs_done(out) < 1:
        assert process.poll() is None and time.time() < deadline, process.communicate()
        time.sleep(0.1)
    return process, out


def assert_all_gone(pids: list[int], within: float = 5.0) -> None:
    deadline = time.time() + within
    while any(alive(pid) for pid in pids) and time.time() < deadline:
        time.sleep(0.1)
    left = [pid for pid in pids if alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)  # leave the machine clean even when the test fails
    assert not left, f"workers still alive {within} s after the driver died: {left}"


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_killing_the_driver_leaves_no_worker(tmp_path, executor):
    process, _ = start_driver(tmp_path, executor)
    workers = descendants(process.pid)
    assert len(workers) >= 2, workers
    process.kill()
    process.wait(timeout=30)
    assert_all_gone(workers)


def test_sigterm_ends_the_batch_interrupted_with_its_runs_kept(tmp_path):
    process, out = start_driver(tmp_path, "processes")
    workers = descendants(process.pid)
    process.terminate()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and len(manifest["runs"]) >= 1
    assert_all_gone(workers)


@pytest.mark.parametrize("executor", ["dask", "processes"])
def test_ctrl_c_prints_one_line_whatever_the_executor(tmp_path, executor):
    """A terminal's Ctrl-C reaches the whole process group: driver and workers (the Dask
    local cluster printed 38 lines of worker tracebacks)."""
    process, out = start_driver(tmp_path, executor, start_new_session=True)
    workers = descendants(process.pid)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert process.returncode == 130 and len(lines) == 1, stderr
    assert lines[0].startswith("interrupted: finished runs are saved in")
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    assert_all_gone(workers, within=15.0)


@pytest.mark.parametrize("address", ["garbage", "tcp://127.0.0.1:99999", "http://",
                                     "tcp://127.0.0.1:{free}"])
def test_a_bad_scheduler_is_one_line_and_leaves_no_folder(tmp_path, address):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({**LONG, "replications": 2}))
    address = address.format(free=free_port())
    result = buzz("run", path, "--out", tmp_path / "out", "--executor", "dask",
                  "--scheduler", address)
    assert_one_line_error(result, "--scheduler", address)
    assert not (tmp_path / "out").exists()


class Cluster:
    """A `dask scheduler` and `dask worker` processes (no nanny: killing one kills it)."""

    def __init__(self, folder: Path, n_workers: int) -> None:
        self.address = f"tcp://127.0.0.1:{free_port()}"
        port = self.address.rpartition(":")[2]
        log = open(folder / "dask.log", "w")
        self.scheduler = subprocess.Popen(
            [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", port,
             "--dashboard-address", ":0", "--no-show"], stdout=log, stderr=log)
        self.workers = [subprocess.Popen(
            [BIN / "dask", "worker", self.address, "--nthreads", "1", "--no-nanny",
             "--host", "127.0.0.1", "--no-dashboard"], stdout=log, stderr=log)
            for _ in range(n_workers)]
        from dask.distributed import Client

        deadline = time.time() + 60
        while True:
            try:
                with Client(self.address, timeout="5s") as client:
                    client.wait_for_workers(n_workers, timeout=30)
                    return
            except OSError:
                assert time.time() < deadline
                time.sleep(0.3)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            process.kill()
            process.wait()


@pytest.mark.parametrize("lose", ["workers", "scheduler"])
def test_a_lost_dask_cluster_ends_the_batch_in_bounded_time(tmp_path, monkeypatch, lose):
    """With every worker dead the batch waited forever at "100/400"."""
    monkeypatch.setattr(executors, "LOST_SECONDS", 3.0)
    cluster = Cluster(tmp_path, n_workers=1)
    killed_at = []

    def on_progress(done: int, total: int) -> None:
        if done and not killed_at:
            for process in cluster.workers if lose == "workers" else [cluster.scheduler]:
                process.kill()
            killed_at.append(time.monotonic())

    scenario = scenario_from_dict({**LONG, "replications": 60,
                                   "network": {**LONG["network"], "n": 3000}})
    out = tmp_path / "out"
    try:
        with pytest.raises(ExecutorLost, match="no worker" if lose == "workers" else "was lost"):
            run_batch(scenario, out, executor="dask", scheduler=cluster.address,
                      on_progress=on_progress)
        waited = time.monotonic() - killed_at[0]
    finally:
        cluster.stop()
    assert waited < 3.0 + 20.0, waited
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and 1 <= len(manifest["runs"]) < 60
