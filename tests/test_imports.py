"""Each command imports only what it needs: a fresh interpreter runs it and names the
heavy modules it loaded that it should not have (their imports cost seconds of every
``buzz`` call). Not timed: the check is which modules are loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# what this interpreter holds after the command, of the modules it must not load
REPORT = """
import json, sys
from sim.cli import main
args, unwanted, status = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
sys.argv = ["buzz", *args]
try:
    main()
    code = 0
except SystemExit as done:
    code = done.code
assert code == status, code
print(json.dumps(sorted(set(unwanted) & set(sys.modules))))
"""


# how many full passes the garbage collector made while the command ran
FULL_PASSES = """
import gc, json, sys
from sim.cli import main
passes = []
gc.callbacks.append(lambda phase, info: passes.append(info["generation"])
                    if phase == "stop" and info["generation"] == 2 else None)
sys.argv = ["buzz", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as done:
    assert not done.code, done.code
print(len(passes))
"""


def loaded_after(args: list[str], unwanted: list[str], status: int = 0) -> list[str]:
    """The ``unwanted`` modules loaded by ``buzz ARGS`` in a new interpreter (which
    checks that the command ends with ``status``)."""
    return json.loads(_last_line(REPORT, json.dumps(args), json.dumps(unwanted), str(status)))


def _last_line(script: str, *arguments: str) -> str:
    """The last line ``script`` prints, run in a new interpreter with ``arguments``."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        capture_output=True, text=True, cwd=ROOT, env=environment, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1]


def test_validate_loads_neither_kernels_nor_tables_nor_plots():
    unwanted = ["numba", "pandas", "pyarrow", "mesa", "networkx", "scipy", "matplotlib"]
    assert loaded_after(["validate", "scenarios/quickstart.yaml"], unwanted) == []


def test_run_reports_a_bad_scenario_before_loading_the_engine(tmp_path):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("name: bad\nsteps: -1\nnetwork: {model: complete, n: 5}\n")
    unwanted = ["numba", "pandas", "pyarrow", "mesa", "matplotlib"]
    args = ["run", str(scenario), "--out", str(tmp_path / "out")]
    assert loaded_after(args, unwanted, status=2) == []


def test_a_batch_with_actors_runs_without_mesa_pyplot_or_scipy_stats(tmp_path):
    """A batch and its figure: no Mesa (the batch runs Simulation, its actors are plain
    objects), no matplotlib (a helper process draws the figure while the batch runs:
    sim.results.drawer), no scipy.stats."""
    scenario = tmp_path / "launch.yaml"
    scenario.write_text(json.dumps({
        "name": "launch", "seed": 1, "steps": 30, "replications": 2,
        "network": {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1},
        "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.2},
                      "seeding": {"strategy": "random", "count": 3}}],
        "campaign": {"actions": [{"action": "seed", "message": "promo", "step": 3,
                                  "seeding": {"strategy": "top_degree", "count": 5}}]},
    }))
    unwanted = ["mesa", "matplotlib", "seaborn", "scipy.stats", "networkx"]
    args = ["run", str(scenario), "--out", str(tmp_path / "out"), "--quiet"]
    assert loaded_after(args, unwanted) == []
    assert (tmp_path / "out" / "adoption.png").is_file()


def test_the_summary_loads_no_emoji_codes(tmp_path):
    """The terminal summary prints names as written: rich's table of emoji codes (15 ms
    to load) is never needed."""
    args = ["run", "scenarios/quickstart.yaml", "--out", str(tmp_path / "out"),
            "--replications", "2"]
    assert loaded_after(args, ["rich._emoji_codes"]) == []


def test_a_run_walks_its_imports_in_no_full_collection(tmp_path):
    """What `buzz run` imports lives as long as the process: the collector, paced to
    the command's allocations, makes no full pass over it (three, 0.14 s of CPU, at
    Python's default pace)."""
    args = ["run", "scenarios/quickstart.yaml", "--out", str(tmp_path / "out"), "--quiet",
            "--replications", "2"]
    assert _last_line(FULL_PASSES, json.dumps(args)) == "0"
