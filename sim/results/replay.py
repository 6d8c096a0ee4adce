"""Who told whom in a results folder's first run, replayed and drawn.

Results folders keep counts, not who told whom (``source`` for every person of
every run would dwarf the tables), but runs are deterministic: the folder's first
run can be run again from its ``scenario.yaml`` to get its state arrays, which
:func:`sim.results.plots.cascade_tree` draws. This module is the one part of
:mod:`sim.results` that runs a model.
"""

from __future__ import annotations

from pathlib import Path

from sim.batch.experiment import expand_runs
from sim.batch.store import load_results
from sim.config import scenario_from_dict, with_values
from sim.errors import InputError
from sim.results.plots import CascadeTree, cascade_tree
from sim.results.statistics import swept_keys
from sim.simulation import Simulation

CASCADE_TREE_PATTERN = "cascade_tree*.png"  # pictures an earlier replay drew


def replay_cascade_tree(folder: str | Path, max_nodes: int = 300) -> CascadeTree | None:
    """Draw ``folder/figures/cascade_tree.png``: who told whom in the folder's first run.

    Results folders keep counts, not who told whom, but runs are deterministic: run 0
    (point 0, replication 0) is run again from ``scenario.yaml``, and its reach is
    checked against ``runs.parquet`` first. With several messages, the one that
    reached most people is drawn (the first on ties). Returns ``None`` (no file)
    when nobody heard.

    Raises
    ------
    InputError
        When the folder is not a finished results folder, or the run does not
        reproduce the table (results from another version of buzz).

    Examples
    --------
    >>> import tempfile
    >>> from sim.config import scenario_from_dict
    >>> from sim import run_batch
    >>> scenario = scenario_from_dict({
    ...     "name": "demo", "replications": 2, "seed": 5,
    ...     "network": {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1},
    ...     "messages": [{"name": "a", "rule": {"model": "independent_cascade", "p": 0.3}}]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     batch = run_batch(scenario, tmp, executor="serial")
    ...     tree = replay_cascade_tree(tmp)
    ...     tree.path.name, bool(tree.reached == batch.runs.loc[0, "reach"])
    ('cascade_tree.png', True)
    """
    folder = Path(folder)
    results = load_results(folder)
    runs = results["runs"]
    for old in (folder / "figures").glob(CASCADE_TREE_PATTERN):
        old.unlink()
    source = str(folder / "scenario.yaml")
    scenario = scenario_from_dict(results["scenario"] or {}, source=source, base_dir=folder)
    spec = expand_runs(scenario, replications=1, source=source)[0]
    table = runs[runs["run"] == spec.run].set_index("message")["reach"]
    if table.empty:
        return None
    # dotted columns the point does not set hold values drawn per run (--from-fit)
    row = runs[runs["run"] == spec.run].iloc[0]
    drawn = {key: row[key].item() if hasattr(row[key], "item") else row[key]
             for key in swept_keys(runs) if key not in spec.values and "." in key}
    run_scenario = with_values(spec.scenario, drawn, source) if drawn else spec.scenario
    model = Simulation(run_scenario, replication=spec.replication, source=source)
    model.run()
    reach = {track.message.name: model.count("heard", track.message.name)
             for track in model.tracks}
    for message, value in table.items():
        if reach.get(str(message)) != int(value):
            raise InputError(
                str(folder / "runs.parquet"), f"run {spec.run}, message {message}",
                int(value), f"a result this version of buzz reproduces (replaying run "
                f"{spec.run} reaches {reach.get(str(message))} people)")
    message = max(reach, key=lambda name: (reach[name], -list(reach).index(name)))
    where = spec.arm if scenario.sweep is not None else ""  # the arm, in words
    track = model.track(message)
    return cascade_tree(
        *track.state,
        folder / "figures" / "cascade_tree.png",
        max_nodes=max_nodes,
        node_ids=model.graph.node_ids,
        title=f"{scenario.name}: who told whom, {message}, replication {spec.replication}"
        + (f" ({where})" if where else ""),
    )
