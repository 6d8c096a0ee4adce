"""A rule from outside buzz: a tiny package installed with pip, found through the
``buzz.rules`` entry point, run by ``buzz`` under the serial and processes executors.

The package is tests/plugins/buzz_spontaneous, the worked example of
docs/adding_a_rule.md: each step everyone not yet sharing starts with chance ``rate``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

PACKAGE = Path(__file__).parent / "plugins" / "buzz_spontaneous"
N_PEOPLE, RATE, STEPS, REPLICATIONS = 2000, 0.05, 6, 4

SCENARIO = {
    "name": "spontaneous",
    "seed": 11,
    "steps": STEPS,
    "replications": REPLICATIONS,
    "network": {"model": "watts_strogatz", "n": N_PEOPLE, "k": 4, "p": 0.1},
    "messages": [
        {"name": "news", "rule": {"model": "spontaneous", "rate": RATE}, "seeding": {"count": 0}}
    ],
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The package installed by pip into a folder of its own, put on PYTHONPATH below."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--target", str(target), str(PACKAGE)],
        check=True, capture_output=True, text=True,
    )
    assert list(target.glob("buzz_spontaneous-*.dist-info/entry_points.txt"))
    return target


def buzz(site: Path, *arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    paths = [str(site), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *arguments],
        capture_output=True, text=True, env=env, timeout=600,
    )


def test_outside_rule_runs_under_serial_and_processes(site, tmp_path):
    path = tmp_path / "spontaneous.yaml"
    path.write_text(yaml.safe_dump(SCENARIO, sort_keys=False))
    folders = {}
    for executor in ("serial", "processes"):
        out = tmp_path / executor
        done = buzz(site, "run", str(path), "--out", str(out), "--executor", executor,
                    "--workers", "2", "--quiet")
        assert done.returncode == 0, done.stderr
        folders[executor] = out
    tables = {
        name: [pd.read_parquet(folder / f"{name}.parquet") for folder in folders.values()]
        for name in ("runs", "timeseries")
    }
    for serial, processes in tables.values():
        pd.testing.assert_frame_equal(serial, processes)
    runs = tables["runs"][0]
    assert len(runs) == REPLICATIONS and (runs["steps"] == STEPS).all()
    # after STEPS steps each person has started with probability 1 - (1 - rate)^STEPS
    expected = 1 - (1 - RATE) ** STEPS
    reached = runs["reach"].sum()
    n = N_PEOPLE * REPLICATIONS
    assert abs(reached / n - expected) < 4 * np.sqrt(expected * (1 - expected) / n)
    timeseries = tables["timeseries"][0]
    assert (timeseries.groupby("run")["heard"].diff().dropna() >= 0).all()


def test_outside_rule_keys_are_validated_like_built_in_ones(site, tmp_path):
    bad = {**SCENARIO, "messages": [{"name": "news", "rule": {"model": "spontaneous",
                                                           "rate": 1.5}}]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad, sort_keys=False))
    done = buzz(site, "validate", str(path))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "messages.news.rule.rate = 1.5" in lines[0], done.stderr
    unknown = {**SCENARIO, "messages": [{"name": "news", "rule": {"model": "gossip"}}]}
    path.write_text(yaml.safe_dump(unknown, sort_keys=False))
    done = buzz(site, "validate", str(path))
    assert done.returncode == 2 and "spontaneous" in done.stderr.strip().splitlines()[0]


def test_validate_reads_rules_without_numba():
    """``buzz validate`` loads every rule's schema but no kernel: numba stays unloaded."""
    code = (
        "import sys; from sim.cli import main; sys.argv = ['buzz', 'validate', "
        "'scenarios/quickstart.yaml']\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n"
        "assert 'numba' not in sys.modules, 'numba was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).parents[1], timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_rule_registered_in_python_runs_a_batch(tmp_path):
    """Without an entry point: importing a module that calls ``sim.rules.register``
    (here the package's source folder, not installed) is enough for ``run_batch``."""
    code = (
        "import sys, buzz_spontaneous, sim\n"
        "from sim.config import scenario_from_dict\n"
        f"scenario = scenario_from_dict({SCENARIO!r})\n"
        f"batch = sim.run_batch(scenario, out={str(tmp_path / 'out')!r}, executor='processes',"
        " workers=2)\n"
        "assert batch.complete and len(batch.runs) == scenario.replications\n"
        "print(int(batch.runs['reach'].sum()))\n"
    )
    paths = [str(PACKAGE), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) > 0


def test_the_guide_shows_the_tested_code():
    """docs/adding_a_rule.md quotes the package's transition: the quote stays true."""
    guide = (Path(__file__).parents[1] / "docs" / "adding_a_rule.md").read_text()
    source = (PACKAGE / "buzz_spontaneous" / "__init__.py").read_text()
    quoted = guide.split("@TRANSITIONS.register(SpontaneousParams)\n", 1)[1].split("```")[0]
    body = [line for line in quoted.splitlines() if line.strip()]
    code = "\n".join(line for line in source.splitlines() if line.strip())
    assert len(body) > 15 and all(line in code for line in body)


def test_the_numba_cache_stays_readable_without_the_plugin(site, tmp_path):
    """numba's cache index of a shared kernel names every class it was compiled for;
    one naming the plug-in's class would break every process without the plug-in.
    A run with the plug-in, then a run of a built-in rule without it, one cache."""
    cache = tmp_path / "numba_cache"
    path = tmp_path / "spontaneous.yaml"
    path.write_text(yaml.safe_dump(SCENARIO, sort_keys=False))
    with_plugin = buzz(site, "run", str(path), "--out", str(tmp_path / "a"), "--executor",
                       "serial", "--quiet", env={"NUMBA_CACHE_DIR": str(cache)})
    assert with_plugin.returncode == 0, with_plugin.stderr
    builtin = {**SCENARIO, "messages": [{"name": "news", "rule": {"model": "bass",
               "p_external": 0.01, "q": 0.3}, "seeding": {"count": 0}}]}
    path.write_text(yaml.safe_dump(builtin, sort_keys=False))
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    without = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(path), "--out", str(tmp_path / "b"),
         "--executor", "serial", "--quiet"], capture_output=True, text=True, env=env,
        timeout=600,
    )
    assert without.returncode == 0, without.stderr
