"""Results folders that protect themselves (issue 15): column types fixed by the whole
sweep, resumes that refuse to mix inputs or run counts, --force that removes only what
buzz wrote, one writer at a time, damaged files and full disks in one line."""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from sim.batch import run_batch
from sim.batch.lock import LOCK_NAME
from sim.config import load_scenario, scenario_from_dict
from sim.errors import InputError

from .test_cli import assert_one_line_error


def buzz(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``buzz`` run in this process (a subprocess would spend seconds importing): its
    exit status and what it printed."""
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    here, argv = os.getcwd(), sys.argv
    try:
        if cwd is not None:
            os.chdir(cwd)
        sys.argv = ["buzz", *map(str, args)]
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main()
                status = 0
            except SystemExit as done:
                status = done.code or 0
    finally:
        os.chdir(here)
        sys.argv = argv
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())

TINY = {
    "name": "tiny", "seed": 3, "steps": 30, "replications": 1,
    "network": {"model": "watts_strogatz", "n": 120, "k": 4, "p": 0.1},
    "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.3},
                  "seeding": {"strategy": "random", "count": 2}}],
}


def scenario(**changes) -> dict:
    return {**TINY, **changes}


def write(folder: Path, raw: dict, name: str = "s.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def part_types(out: Path, column: str) -> set[str]:
    return {str(pq.read_schema(path).field(column).type)
            for path in (out / "parts").glob("runs-*.parquet")}


def test_swept_numbers_take_one_type_from_the_whole_sweep(tmp_path):
    """YAML 0 is an int, 0.5 a float: every part, not only the table, holds floats."""
    raw = scenario(sweep={"grid": {"messages.promo.rule.p": [0, 0.5, 1]}})
    batch = run_batch(scenario_from_dict(raw), tmp_path / "out")
    assert batch.complete
    assert batch.runs["messages.promo.rule.p"].tolist() == [0.0, 0.5, 1.0]
    assert part_types(tmp_path / "out", "messages.promo.rule.p") == {"double"}


def test_a_sweep_mixing_numbers_and_mappings_is_written_and_resumed(tmp_path):
    """It crashed the Parquet write; parts an older buzz typed differently still join."""
    uniform = {"distribution": "uniform", "low": 0.2, "high": 0.8}
    raw = scenario(sweep={"grid": {"people.activity": [0.5, uniform, 1]}})
    out = tmp_path / "out"
    batch = run_batch(scenario_from_dict(raw), out)
    key = "people.activity"
    assert batch.runs[key].tolist() == ["0.5", json.dumps(uniform, separators=(",", ":")), "1"]
    expected = batch.runs.copy()
    # the folder as the crash left it: a part typed by its own values, no tables
    first = sorted((out / "parts").glob("runs-*.parquet"))[0]
    table = pq.read_table(first)
    index = table.schema.get_field_index(key)
    pq.write_table(table.set_column(index, key, pa.array([0.5])), first)
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}))
    for name in ("runs.parquet", "timeseries.parquet"):
        (out / name).unlink()
    resumed = run_batch(scenario_from_dict(raw), out, resume=True)
    assert resumed.complete
    pd.testing.assert_frame_equal(resumed.runs, expected)


@pytest.mark.parametrize("key, values", [("steps", [10, 30]), ("seed", [1, 2])])
def test_sweeping_steps_or_seed_runs_and_resumes(tmp_path, key, values):
    path = write(tmp_path, scenario(sweep={"grid": {key: values}}))
    out = tmp_path / "out"
    result = buzz("run", path, "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs[f"scenario.{key}"].tolist() == values
    if key == "steps":
        assert (runs["steps"] <= runs["scenario.steps"]).all()  # steps taken, under the bound
    else:
        assert runs["seed"].tolist() == values
    assert buzz("report", out).returncode == 0
    assert "steps=10" in (out / "report.html").read_text() or key == "seed"
    resumed = buzz("run", path, "--out", out, "--resume", "--quiet")
    assert resumed.returncode == 0, resumed.stderr


def test_resume_refuses_a_changed_edge_list(tmp_path):
    """The scenario names the path; the manifest keeps what the file held."""
    edges = tmp_path / "edges.txt"
    edges.write_text("".join(f"{i} {(i + 1) % 30}\n" for i in range(30)))
    path = write(tmp_path, scenario(network={"model": "edgelist", "path": "edges.txt"},
                                    replications=2))
    out = tmp_path / "out"
    run_batch(path, out)
    inputs = json.loads((out / "manifest.json").read_text())["inputs"]
    assert set(inputs) == {"scenario", str(edges.resolve())}
    edges.write_text("".join(f"{i} {(i + 2) % 30}\n" for i in range(30)))
    with pytest.raises(InputError, match=r"edges\.txt.*contents changed since"):
        run_batch(path, out, resume=True)
    path.write_text(path.read_text() + "# a comment\n")
    with pytest.raises(InputError, match=r"s\.yaml.*contents changed since"):
        run_batch(path, tmp_path / "out", resume=True)


def test_resume_refuses_another_run_count(tmp_path):
    """Issue 15 item 4: --resume --replications 20 on a batch of 200 ran a mix."""
    path = write(tmp_path, scenario(replications=4))
    out = tmp_path / "out"
    assert buzz("run", path, "--out", out, "--quiet").returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "status": "interrupted"}))
    result = buzz("run", path, "--out", out, "--resume", "--replications", "2")
    assert_one_line_error(result, str(out), "4 runs", "4 replications", "2")
    assert json.loads((out / "manifest.json").read_text())["n_runs"] == 4
    assert len(pd.read_parquet(out / "runs.parquet")) == 4


def test_force_removes_only_what_buzz_wrote(tmp_path):
    path = write(tmp_path, scenario(replications=2))
    out = tmp_path / "out"
    run_batch(path, out)
    from sim.results.report import write_report

    write_report(out)
    mine = {"figures/mine.png": b"my figure", "parts/notes.txt": b"my notes",
            "notes.txt": b"more notes"}
    for name, data in mine.items():
        (out / name).write_bytes(data)
    written = json.loads((out / "manifest.json").read_text())["written"]
    assert {"report.html", "summary.csv", "figures/reach.png"} <= set(written)
    run_batch(path, out, force=True)
    for name, data in mine.items():
        assert (out / name).read_bytes() == data, name
    assert not (out / "report.html").exists() and not (out / "figures" / "reach.png").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_force_refuses_a_folder_buzz_did_not_write_and_never_touches_the_scenario(tmp_path):
    """Issue 15 item 3: `buzz run scenario.yaml --out . --force` in the user's folder."""
    path = write(tmp_path, scenario(), name="scenario.yaml")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "mine.png").write_bytes(b"mine")
    text = path.read_text()
    result = buzz("run", "scenario.yaml", "--out", ".", "--force", cwd=tmp_path)
    assert_one_line_error(result, "another")  # not buzz's folder, and it holds the input
    assert path.read_text() == text and (tmp_path / "figures" / "mine.png").is_file()
    # a results folder run again from its own scenario.yaml: refused, the file kept
    out = tmp_path / "out"
    run_batch(path, out)
    own = out / "scenario.yaml"
    own.write_text("# my notes\n" + own.read_text())
    saved = own.read_text()
    with pytest.raises(InputError, match="holding the input scenario"):
        run_batch(own, out, force=True)
    assert own.read_text() == saved


def test_out_that_is_a_file_or_empty_is_one_line(tmp_path):
    path = write(tmp_path, scenario())
    (tmp_path / "afile").write_text("x")
    assert_one_line_error(buzz("run", path, "--out", tmp_path / "afile"), "afile", "a file")
    assert_one_line_error(buzz("run", path, "--out", ""), "--out", "folder name")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "s.yaml"]


def test_a_live_lock_keeps_a_second_writer_out_and_a_stale_one_is_cleared(tmp_path):
    path = write(tmp_path, scenario(replications=2))
    out = tmp_path / "out"
    run_batch(path, out)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / LOCK_NAME).write_text(f"{holder.pid}\n")
        for extra in (["--resume"], ["--force"], []):
            result = buzz("run", path, "--out", out, *extra)
            assert_one_line_error(result, str(out), f"process {holder.pid}")
        assert not (tmp_path / "out.1").exists()
    finally:
        holder.kill()
        holder.wait()
    run_batch(path, out, resume=True)  # the holder is dead: its lock is stale
    assert not (out / LOCK_NAME).exists()


def test_damaged_results_files_are_one_line(tmp_path):
    path = write(tmp_path, scenario(replications=4))
    out = tmp_path / "out"
    expected = run_batch(path, out).runs
    # a damaged part under --resume: its runs run again
    part = sorted((out / "parts").glob("timeseries-*.parquet"))[0]
    part.write_bytes(part.read_bytes()[:40])
    resumed = run_batch(path, out, resume=True)
    pd.testing.assert_frame_equal(resumed.runs, expected)
    # a damaged table under plot and report
    table = out / "runs.parquet"
    table.write_bytes(table.read_bytes()[:100])
    for command in ("plot", "report"):
        assert_one_line_error(buzz(command, out), "runs.parquet", "cannot be read")
    # a truncated manifest under --resume, plot and report
    manifest = out / "manifest.json"
    manifest.write_text(manifest.read_text()[:50])
    for args in (("run", path, "--out", out, "--resume"), ("plot", out), ("report", out)):
        assert_one_line_error(buzz(*args), "manifest.json", "cannot be read")


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_a_full_disk_is_one_line_and_keeps_the_folder_resumable(tmp_path):
    """A real limit on file sizes stands in for a full disk: writes fail with an OSError."""
    path = write(tmp_path, scenario(replications=2, network={
        "model": "watts_strogatz", "n": 3000, "k": 6, "p": 0.1}))
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "sim.cli", "run", path, "--out", out,
                             "--quiet"],
                            capture_output=True, text=True, timeout=300,
                            preexec_fn=_limit_file_size)
    assert_one_line_error(result, str(out), "buzz can write to", "--resume")
    assert not (out / LOCK_NAME).exists()
    assert buzz("run", path, "--out", out, "--resume", "--quiet").returncode == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_one_line(tmp_path):
    path = write(tmp_path, scenario())
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert_one_line_error(buzz("run", path, "--out", out), str(out))
    finally:
        out.chmod(0o755)


def test_the_manifest_records_inputs_and_counts(tmp_path):
    path = write(tmp_path, scenario(replications=3))
    run_batch(load_scenario(path), tmp_path / "out", source=str(path))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["n_runs"] == 3 and manifest["replications"] == 3
    assert manifest["inputs"]["scenario"]["file"] == str(path)
    assert len(manifest["inputs"]["scenario"]["sha256"]) == 64
