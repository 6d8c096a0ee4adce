"""The command line: outputs, columns and one-line errors (in this process; the help,
the version and a bad scenario also through a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.batch.experiment import RUN_COLUMNS, TIMESERIES_COLUMNS

from .conftest import PROJECT, buzz_in_process

SCENARIOS = sorted((PROJECT / "scenarios").glob("*.yaml"))


def buzz(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``buzz ARGS`` in this process (what a subprocess returns, without seconds of
    imports per call); :func:`buzz_subprocess` where a real process matters."""
    return buzz_in_process(*args, cwd=cwd)


def buzz_subprocess(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def write_scenario(folder: Path, **changes) -> Path:
    raw = {
        "name": "tiny",
        "seed": 3,
        "steps": 50,
        "replications": 3,
        "network": {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1},
        "messages": [
            {
                "name": "promo",
                "rule": {"model": "independent_cascade", "p": 0.3},
                "seeding": {"strategy": "random", "count": 2},
            }
        ],
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(with_changes(raw, **changes)))
    return path


def with_changes(raw: dict, **changes) -> dict:
    """``raw`` with keys replaced, each named by its path joined with ``__``
    (``messages__0__rule__p``)."""
    for key, value in changes.items():
        node = raw
        *parents, leaf = key.split("__")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[leaf] = value
    return raw


def assert_one_line_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_every_ready_made_scenario_validates(scenario):
    result = buzz("validate", scenario)
    assert result.returncode == 0, result.stderr


def test_run_writes_the_promised_files_and_columns(tmp_path):
    scenario = write_scenario(tmp_path)
    out = tmp_path / "out"
    result = buzz("run", scenario, "--out", out, "--set", "messages.promo.rule.p=0.4")
    assert result.returncode == 0, result.stderr
    assert "Reach and speed" in result.stdout and "95% interval" in result.stdout
    for name in (
        "runs.parquet",
        "timeseries.parquet",
        "scenario.yaml",
        "manifest.json",
        "adoption.png",
    ):
        assert (out / name).is_file(), name
    runs = pd.read_parquet(out / "runs.parquet")
    series = pd.read_parquet(out / "timeseries.parquet")
    assert list(runs.columns) == RUN_COLUMNS
    assert list(series.columns) == TIMESERIES_COLUMNS
    assert runs["replication"].tolist() == [0, 1, 2]
    assert (series.groupby("run")["step"].min() == 0).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["runs"]) == 3
    saved = yaml.safe_load((out / "scenario.yaml").read_text())
    assert saved["messages"][0]["rule"]["p"] == 0.4  # the override is what ran
    # the last step of each run's timeseries agrees with its runs row
    last = series.sort_values("step").groupby("run").tail(1).set_index("run").sort_index()
    by_run = runs.set_index("run").sort_index()
    assert last["heard"].tolist() == by_run["reach"].tolist()
    assert last["step"].tolist() == by_run["steps"].tolist()


def test_sweep_adds_a_column_per_swept_key(tmp_path):
    scenario = write_scenario(
        tmp_path,
        replications=2,
        sweep={"grid": {"messages.promo.rule.p": [0.1, 0.5], "network.k": [4, 6]}},
    )
    result = buzz("run", scenario, "--out", tmp_path / "out", "--quiet")
    assert result.returncode == 0, result.stderr
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert list(runs.columns) == [*RUN_COLUMNS, "messages.promo.rule.p", "network.k"]
    assert runs["point"].nunique() == 4 and len(runs) == 8


def test_running_again_keeps_the_earlier_results_under_a_numbered_folder(tmp_path):
    scenario = write_scenario(tmp_path)
    out = tmp_path / "out"
    assert buzz("run", scenario, "--out", out, "--quiet").returncode == 0
    first = pd.read_parquet(out / "runs.parquet")
    again = buzz("run", scenario, "--out", out, "--set", "messages.promo.rule.p=0.5")
    assert again.returncode == 0, again.stderr
    assert f"earlier results: {out}.1/\n" in again.stdout  # the path whole, on one line
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out.1" / "runs.parquet"), first)
    assert yaml.safe_load((out / "scenario.yaml").read_text())["messages"][0]["rule"]["p"] == 0.5
    assert buzz("run", scenario, "--out", out, "--quiet").returncode == 0
    assert (tmp_path / "out.2" / "manifest.json").is_file()  # the next free number
    # --force replaces instead of keeping
    assert buzz("run", scenario, "--out", out, "--force", "--quiet").returncode == 0
    assert not (tmp_path / "out.3").exists()


def test_an_unfinished_batch_or_a_foreign_folder_is_refused_in_one_line(tmp_path):
    scenario = write_scenario(tmp_path)
    out = tmp_path / "out"
    assert buzz("run", scenario, "--out", out, "--quiet").returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "status": "interrupted"}))
    assert_one_line_error(buzz("run", scenario, "--out", out), str(out), "interrupted",
                          "--resume", "--force")
    assert not (tmp_path / "out.1").exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("my own notes")
    assert_one_line_error(buzz("run", scenario, "--out", foreign), str(foreign), "--out")
    assert (foreign / "notes.txt").read_text() == "my own notes"


def test_bad_data_puts_the_earlier_results_back(tmp_path):
    """A batch that fails before running anything leaves the folder as it was."""
    (tmp_path / "edges.txt").write_text("a b\nb c\nc a\n")
    scenario = write_scenario(tmp_path, network={"model": "edgelist", "path": "edges.txt"})
    out = tmp_path / "out"
    assert buzz("run", scenario, "--out", out, "--quiet").returncode == 0
    (tmp_path / "edges.txt").write_text("a b\nb\n")
    assert_one_line_error(buzz("run", scenario, "--out", out), "line 2")
    assert (out / "runs.parquet").is_file() and not (tmp_path / "out.1").exists()


def test_the_python_api_names_its_own_arguments(tmp_path):
    import sim
    from sim.errors import InputError

    scenario = write_scenario(tmp_path)
    sim.run_batch(scenario, out=tmp_path / "out")
    with pytest.raises(InputError) as error:
        sim.run_batch(scenario, out=tmp_path / "out")
    assert "resume=True" in str(error.value) and "force=True" in str(error.value)
    assert "--" not in str(error.value)
    sim.run_batch(scenario, out=tmp_path / "out", force=True)


def test_version_and_help_read_as_words():
    version = buzz_subprocess("--version")
    assert version.returncode == 0 and version.stdout.startswith("buzz ")
    for command in ("run", "validate", "plot", "report", "viz", "network-stats", "fit"):
        result = buzz(command, "--help")
        assert result.returncode == 0, result.stderr
        assert "Example: buzz " + command in " ".join(result.stdout.split()), command
        for python_type in ("<list[str]>", "<int range>", "<str>", "<bool>", "<int>"):
            assert python_type not in result.stdout, (command, python_type)
    run_help = " ".join(buzz("run", "--help").stdout.split())
    assert "[default: (results/NAME)]" in run_help and "[default: auto]" in run_help
    assert "--set KEY=VALUE" in run_help and "--no-resume" not in run_help


@pytest.mark.parametrize(
    ("change", "needles"),
    [
        ({"colour": "blue"}, ["colour", "known keys"]),
        ({"messages__0__rule__q": 0.1}, ["messages.promo.rule.q", "known keys"]),
        ({"steps": "many"}, ["steps", "'many'", "integer"]),
        ({"steps": ":fire:"}, ["steps", "':fire:'", "integer"]),  # as written, no emoji
        (
            {"messages__0__rule__p": 1.5},
            ["messages.promo.rule.p", "1.5", "less than or equal to 1"],
        ),
        ({"messages__0__rule__p": -0.1}, ["messages.promo.rule.p", "-0.1"]),
        ({"network__model": "small_world"}, ["network.model", "'small_world'", "watts_strogatz"]),
        ({"network__k": 7}, ["network.k", "7", "even"]),
        ({"messages__0__seeding__count": 301}, ["messages.promo.seeding.count", "301", "300"]),
        (
            {"messages__0__seeding__strategy": "psychic"},
            ["messages.promo.seeding.strategy", "'psychic'", "top_degree"],
        ),
        (
            {"network": {"model": "edgelist", "path": "nowhere.txt"}},
            ["network.path", "'nowhere.txt'", "existing edge-list file"],
        ),
    ],
)
def test_bad_scenarios_give_one_line_and_exit_2(tmp_path, change, needles):
    scenario = write_scenario(tmp_path, **change)
    for command in ("validate", "run"):
        assert_one_line_error(
            buzz_in_process(command, scenario, "--out", tmp_path / "o")
            if command == "run"
            else buzz_in_process(command, scenario),
            str(scenario),
            *needles,
        )


def test_a_bad_scenario_is_one_line_from_a_real_process(tmp_path):
    scenario = write_scenario(tmp_path, steps="many")
    assert_one_line_error(buzz_subprocess("run", scenario, "--out", tmp_path / "o"),
                          str(scenario), "steps", "'many'")


def test_bad_override_names_set(tmp_path):
    scenario = write_scenario(tmp_path)
    assert_one_line_error(
        buzz("validate", scenario, "--set", "messages.promo.rule.p=2"),
        "--set",
        "messages.promo.rule.p",
        "2",
    )
    assert_one_line_error(
        buzz("validate", scenario, "--set", "messages.nobody.rule.p=0.1"),
        "messages.nobody",
        "promo",
    )


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nnetwork: {model: complete\nmessages: []\n")
    assert_one_line_error(buzz("validate", path), str(path), "line", "YAML")


def test_missing_scenario_file(tmp_path):
    assert_one_line_error(buzz("validate", tmp_path / "absent.yaml"), "absent.yaml", "not found")


def test_malformed_edge_list_line_is_reported_with_its_number(tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text("# friends\n1 2\n2 3\n4\n3 1\n")
    scenario = write_scenario(tmp_path, network={"model": "edgelist", "path": "edges.txt"})
    assert_one_line_error(buzz("run", scenario, "--out", tmp_path / "o"), str(edges), "line 4")
    assert_one_line_error(buzz("network-stats", edges), str(edges), "line 4")


def test_seeding_more_people_than_an_edge_list_has(tmp_path):
    (tmp_path / "edges.txt").write_text("a b\nb c\nc a\n")
    scenario = write_scenario(
        tmp_path, network={"model": "edgelist", "path": "edges.txt"}, messages__0__seeding__count=5
    )
    assert_one_line_error(
        buzz("run", scenario, "--out", tmp_path / "o"),
        str(scenario),
        "messages.promo.seeding.count",
        "5",
        "3",
    )


def test_seeding_by_original_ids_of_an_edge_list(tmp_path):
    (tmp_path / "edges.txt").write_text("alice bob\nbob carol\ncarol dave\n")
    scenario = write_scenario(
        tmp_path,
        network={"model": "edgelist", "path": "edges.txt"},
        messages=[
            {
                "name": "promo",
                "rule": {"model": "independent_cascade", "p": 1.0},
                "seeding": {"strategy": "nodes", "nodes": ["alice"]},
            }
        ],
    )
    result = buzz("run", scenario, "--out", tmp_path / "o", "--quiet")
    assert result.returncode == 0, result.stderr
    runs = pd.read_parquet(tmp_path / "o" / "runs.parquet")
    assert runs["reach"].tolist() == [4, 4, 4] and runs["steps"].tolist() == [4, 4, 4]
    unknown = write_scenario(
        tmp_path,
        network={"model": "edgelist", "path": "edges.txt"},
        messages=[
            {
                "name": "promo",
                "rule": {"model": "independent_cascade", "p": 1.0},
                "seeding": {"strategy": "nodes", "nodes": ["zoe"]},
            }
        ],
    )
    assert_one_line_error(
        buzz("run", unknown, "--out", tmp_path / "o2"), "messages.promo.seeding.nodes", "'zoe'"
    )


def test_network_stats_prints_json_for_a_scenario(tmp_path):
    scenario = write_scenario(tmp_path)
    result = buzz("network-stats", scenario)
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["nodes"] == 300 and stats["edges"] == 900
    assert stats["paths"]["method"] == "exact"
