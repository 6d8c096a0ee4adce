"""``buzz``: the command line (DESIGN: the command-line contract).

Every command turns bad input into one line on stderr and exit status 2, with no
traceback (:class:`sim.errors.InputError`).
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from typer.exceptions import TyperException

from sim.errors import EXIT_BAD_INPUT, InputError

app = typer.Typer(
    name="buzz",
    help="Simulate how a message spreads through social networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Off a terminal rich assumes 80 columns and wraps the summary; logs are wider.
console = Console(width=None if sys.stdout.isatty() else 220)
errors = Console(stderr=True, highlight=False, soft_wrap=True)

FIGURE_MAX_RUNS = 20_000  # past this the curve's timeseries may not fit in memory: skip it

ScenarioArg = Annotated[Path, typer.Argument(help="A scenario YAML file.", show_default=False)]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a key, e.g. --set messages.promo.rule.p=0.1 (repeat)."),
]


@app.command()
def validate(scenario: ScenarioArg, overrides: SetOption = None) -> None:
    """Check a scenario file; exit 0, or 2 with a one-line error."""
    from sim.config import load_scenario

    loaded = load_scenario(scenario, overrides)
    points = len(loaded.sweep.points(loaded.seed)) if loaded.sweep else 1
    console.print(
        f"{scenario}: ok ({len(loaded.messages)} message(s), {points} point(s), "
        f"{loaded.replications} replication(s))"
    )


@app.command()
def run(
    scenario: ScenarioArg,
    out: Annotated[
        Path | None, typer.Option(help="Results folder [default: results/<name>].")
    ] = None,
    overrides: SetOption = None,
    replications: Annotated[int | None, typer.Option(min=1, help="Override replications.")] = None,
    executor: Annotated[
        str, typer.Option(help="serial, processes (one worker per core) or dask.")
    ] = "processes",
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes.")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (tcp://host:port).")
    ] = None,
    resume: Annotated[bool, typer.Option(help="Continue a batch; finished runs are kept.")] = False,
    force: Annotated[bool, typer.Option(help="Replace results already in the folder.")] = False,
    quiet: Annotated[bool, typer.Option(help="Print nothing but errors.")] = False,
) -> None:
    """Run a scenario's points and replications; write tables, a manifest and a figure."""
    from sim.batch.executors import EXECUTORS
    from sim.config import load_scenario

    loaded = load_scenario(scenario, overrides)  # before the heavy imports: errors come fast
    if executor not in EXECUTORS:
        raise InputError("--executor", "", executor, ", ".join(EXECUTORS))
    if scheduler is not None and executor != "dask":
        raise InputError("--scheduler", "", scheduler, "only with --executor dask")
    from sim.batch import run_batch
    from sim.batch.progress import BatchProgress
    from sim.results.plots import adoption_curve

    folder = out or Path("results") / loaded.name
    interrupted = []

    def on_interrupt(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    # Ctrl-C may surface inside a library (pyarrow, a pool) as another exception;
    # remembering it makes every such exit the same clean "interrupted".
    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        with BatchProgress(quiet=quiet) as progress:
            batch = run_batch(loaded, folder, executor=executor, workers=workers,
                              scheduler=scheduler, replications=replications, resume=resume,
                              force=force, source=str(scenario), on_progress=progress)
    except BaseException:
        if not interrupted:
            raise
        errors.print(f"interrupted: finished runs are saved in {folder}; "
                     "continue with the same command and --resume")
        raise typer.Exit(130) from None
    finally:
        signal.signal(signal.SIGINT, previous)
    figure = ""
    if len(batch.runs) <= FIGURE_MAX_RUNS:
        adoption_curve(batch.timeseries, batch.runs, folder / "adoption.png",
                       title=f"{loaded.name}: adoption (mean, 95% band)")
        figure = ", adoption.png"
    if not quiet:
        _print_summary(batch.runs)
        console.print(f"results: {folder}/ (runs.parquet, timeseries.parquet, scenario.yaml, "
                      f"manifest.json{figure})")


ResultsArg = Annotated[Path, typer.Argument(help="A results folder written by 'buzz run'.")]


@app.command()
def plot(folder: ResultsArg) -> None:
    """Draw a results folder's figures as PNG files in FOLDER/figures/."""
    from sim.batch.store import load_results
    from sim.results.plots import make_figures
    from sim.results.replay import replay_cascade_tree

    for path in make_figures(load_results(folder), folder):
        console.print(str(path))
    try:  # who told whom: run 0 is run again (results keep counts, not links)
        tree = replay_cascade_tree(folder)
    except InputError as error:  # the other figures stand; say why this one is missing
        errors.print(f"warning: no cascade tree: {error}", markup=False)
        return
    if tree is not None:
        console.print(str(tree.path))


@app.command()
def report(folder: ResultsArg) -> None:
    """Write FOLDER/report.html: scenario, summary, comparisons and figures in one file."""
    from sim.results.report import write_report

    console.print(str(write_report(folder)))


VIZ_NEEDS = ("solara", "altair", "ipyvuetify")


@app.command()
def viz(
    scenario: ScenarioArg,
    overrides: SetOption = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8765,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    log_requests: Annotated[
        bool, typer.Option(help="Log every HTTP request (to see an asset that fails to load).")
    ] = False,
) -> None:
    """Serve the interactive page (Mesa's SolaraViz) for a scenario; Ctrl-C stops it."""
    import importlib.util
    import os
    import warnings

    from sim.config import load_scenario

    load_scenario(scenario, overrides)  # a bad scenario fails here, in one line, not in a page
    missing = [name for name in VIZ_NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        errors.print(f"error: buzz viz needs the viz extra (missing {', '.join(missing)}): "
                     'pip install -e ".[viz]"', markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    from sim.viz.page import OVERRIDES_ENV, SCENARIO_ENV

    os.environ[SCENARIO_ENV] = str(scenario.resolve())
    os.environ[OVERRIDES_ENV] = json.dumps(list(overrides or []))
    # Offline: no usage reports to a tracker; the front-end files come from solara-assets.
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    # Library notes that say nothing to a user: solara on plain-http 127.0.0.1, and
    # solara's hook lint about Mesa 3.3.1's own SolaraViz code.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none", category=UserWarning)
    warnings.filterwarnings("ignore", message=r".*found despite early return", category=UserWarning)
    from click.exceptions import Abort  # solara's click, not the one typer vendors
    from solara.__main__ import run as solara_run  # reads the settings above on import

    console.print(f"buzz viz: {scenario} at http://{host}:{port} (Ctrl-C stops it)")
    arguments = ["sim.viz.app", "--host", host, "--port", str(port), "--production",
                 "--no-open", "--no-check-version", "--log-level-uvicorn",
                 "info" if log_requests else "warning"]
    try:
        solara_run.main(arguments, standalone_mode=False)
    except (KeyboardInterrupt, Abort):  # uvicorn shuts down, then re-raises the Ctrl-C
        pass
    console.print("buzz viz: stopped")


@app.command("network-stats")
def network_stats(
    network: Annotated[Path, typer.Argument(help="A scenario YAML file or an edge-list file.")],
    directed: Annotated[bool, typer.Option(help="Read the edge list as directed.")] = False,
    weight: Annotated[
        str | None,
        typer.Option(help="The edge list's weight column: a position (3) or a header name."),
    ] = None,
    exact_limit: Annotated[
        int,
        typer.Option(
            min=1, help="Exact path lengths up to this many people in the giant component."
        ),
    ] = 20_000,
    sources: Annotated[
        int, typer.Option(min=1, help="BFS sources sampled beyond the exact limit.")
    ] = 500,
    seed: Annotated[int, typer.Option(help="Seed for sampled sources.")] = 0,
) -> None:
    """Print JSON statistics of a network: degrees, components, clustering, paths."""
    import numpy as np

    from sim.network.stats import network_stats as compute

    column = int(weight) if weight is not None and weight.isdigit() else weight
    graph = _load_network(network, directed, column)
    stats = compute(
        graph, exact_limit=exact_limit, n_sources=sources, rng=np.random.default_rng(seed)
    )
    if stats.get("paths") and stats["paths"].get("method") == "sampled":
        stats["paths"]["seed"] = seed  # the sources were drawn from this seed
    typer.echo(json.dumps(stats, indent=2))


def _load_network(path: Path, directed: bool, weight: int | str | None = None):
    from sim.config import load_scenario
    from sim.network.edgelist import read_edgelist
    from sim.network.generators import build_network
    from sim.randomness import RunStreams

    if path.suffix.lower() in (".yaml", ".yml"):
        scenario = load_scenario(path)
        return build_network(scenario.network, RunStreams(scenario.seed, 0).network_rng())
    return read_edgelist(path, directed=directed, weight=weight)


def _print_summary(runs) -> None:
    from sim.results.statistics import short_key_names, summarize

    summary = summarize(runs)
    table = Table(title="Summary: mean [95% CI] over replications", show_lines=False)
    keys = [
        c for c in summary.columns if c not in ("n",) and not c.endswith(("_mean", "_lo", "_hi"))
    ]
    costly = "cost" in runs and bool((runs["cost"] > 0).any())
    money = ["cost", "cost / reach"] if costly else []
    short = short_key_names([k for k in keys if "." in k or k == "network"])
    for column in [*keys, "n", "reach %", "adopters", "peak step", "t50", *money]:
        table.add_column(
            short.get(column, column), justify="left" if column in keys else "right",
            overflow="fold",
        )
    for _, row in summary.iterrows():
        cells = [
            _interval(row, "reach_frac", scale=100, digits=1),
            _interval(row, "adopters", digits=1),
            _interval(row, "peak_step", digits=1),
            _interval(row, "t50", digits=1),
        ]
        if costly:
            cells += [_interval(row, "cost", digits=0), _interval(row, "cost_per_reach", digits=3)]
        table.add_row(*[str(row[k]) for k in keys], str(row["n"]), *cells)
    console.print(table)


def _interval(row, metric: str, scale: float = 1.0, digits: int = 1) -> str:
    mean, low, high = (row[f"{metric}_{part}"] * scale for part in ("mean", "lo", "hi"))
    if low != low:  # one replication: no interval
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def main() -> None:
    """Entry point: run the app, turning bad input into one line and exit 2."""
    try:
        # without standalone mode click returns an Exit's code instead of raising it
        status = app(standalone_mode=False)
        if isinstance(status, int) and status:
            sys.exit(status)
    except InputError as error:
        errors.print(f"error: {error}", markup=False)
        sys.exit(EXIT_BAD_INPUT)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        errors.print("interrupted")
        sys.exit(130)
    except TyperException as error:  # usage errors: shown the way typer shows them
        show = getattr(error, "show", None)
        if show is not None:
            show()
        else:
            errors.print(f"error: {error}", markup=False)
        sys.exit(getattr(error, "exit_code", EXIT_BAD_INPUT))


if __name__ == "__main__":
    main()
