"""``buzz``: the command line (DESIGN: the command-line contract).

Every command turns bad input into one line on stderr and exit status 2, with no
traceback (:class:`sim.errors.InputError`).
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from typer._click.exceptions import NoArgsIsHelpError  # typer vendors its click
from typer.exceptions import TyperException

from sim.errors import EXIT_BAD_INPUT, InputError
from sim.limits import MAX_INDEX, MAX_REPLICATIONS, MAX_SEED, MAX_WORKERS

app = typer.Typer(
    name="buzz",
    help="Simulate how a message spreads through social networks.\n\n"
    "Example: buzz run scenarios/quickstart.yaml && buzz report results/quickstart",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# Off a terminal rich assumes 80 columns; logs are wider, unless COLUMNS says otherwise.
# No emoji codes: a name or value from a scenario that reads ":fire:" is printed as
# written (and rich's table of codes, 15 ms to load, stays unloaded).
console = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 220,
                  emoji=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

# What a command built is freed with the process; frozen at exit, it is not walked
# again and again by the collector's passes while the interpreter shuts down (about
# 0.5 s of every run's exit: numba's, pandas' and matplotlib's objects are many).
atexit.register(gc.freeze)
# The same objects, while the command imports them, are nearly all it allocates: at
# the default pace (a young pass per 700 new objects) the collector walked them in
# three full passes during `buzz run`'s imports (pandas, numba, its first kernel) and
# freed 48 objects: 0.19 s of CPU in all its passes, 0.06 s at a pass per 50,000.
# Runs keep people in arrays, not objects.
gc.set_threshold(50_000)

FIGURE_MAX_RUNS = 20_000  # past this the curve's timeseries may not fit in memory: skip it

ScenarioArg = Annotated[
    Path, typer.Argument(help="A scenario YAML file.", show_default=False, metavar="SCENARIO")
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="KEY=VALUE", show_default=False,
                 help="Override a key, e.g. --set messages.promo.rule.p=0.1 (repeat it for "
                 "several)."),
]


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("buzz-sim")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = "unknown (not installed)"
        console.print(f"buzz {number}")
        raise typer.Exit()


@app.callback()
def options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True,
                           help="Print buzz's version and exit.")
    ] = False,
) -> None:
    """Simulate how a message spreads through social networks.

    Example: buzz run scenarios/quickstart.yaml && buzz report results/quickstart
    """


@app.command()
def validate(scenario: ScenarioArg, overrides: SetOption = None) -> None:
    """Check a scenario file; exit 0, or 2 with a one-line error.

    Example: buzz validate scenarios/crisis.yaml --set community_manager.delay=5
    """
    from sim.config import load_scenario

    loaded = load_scenario(scenario, overrides)
    points = len(loaded.sweep.points(loaded.seed)) if loaded.sweep else 1
    console.print(
        f"{scenario}: ok ({len(loaded.messages)} message(s), {points} point(s), "
        f"{loaded.replications} replication(s))"
    )


@app.command()
def run(
    context: typer.Context,
    scenario: ScenarioArg,
    out: Annotated[
        str | None, typer.Option(metavar="FOLDER", show_default="results/NAME",
                                 help="Results folder.")
    ] = None,
    overrides: SetOption = None,
    replications: Annotated[int | None, typer.Option(
        min=1, max=MAX_REPLICATIONS, metavar="N", show_default="the scenario's",
        help="How many times each arm runs.")] = None,
    executor: Annotated[
        str, typer.Option(
            metavar="NAME",
            help="auto (in this process when the replications run together on threads "
            "or the batch is small, else processes), serial, processes (one worker per "
            "core) or dask."),
    ] = "auto",
    workers: Annotated[int | None, typer.Option(
        min=1, max=MAX_WORKERS, metavar="N", show_default="one per core",
        help="Worker processes.")] = None,
    scheduler: Annotated[
        str | None, typer.Option(metavar="ADDRESS", show_default="a local cluster",
                                 help="Dask scheduler address (tcp://host:port).")
    ] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue an interrupted batch in its folder; finished runs are kept."
    )] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Delete the results already in the folder instead of keeping them "
        "under a numbered folder.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")] = False,
    from_fit: Annotated[Path | None, typer.Option(
        "--from-fit", metavar="FOLDER", show_default=False,
        help="A folder written by buzz fit: each replication draws the fitted values from "
        "its posterior, so intervals include what the data left unknown.")] = None,
) -> None:
    """Run a scenario's arms and replications; write tables, a manifest and a figure.

    Results go to results/NAME/. Run it again and the earlier results move to
    results/NAME.1/ (then .2, ...), so nothing is lost; --force deletes them instead.

    Example: buzz run scenarios/product_launch.yaml --replications 5
    """
    from sim.results.drawer import FigureDrawer

    # first of all: the helper loads matplotlib on the other core while this one reads
    # the scenario and loads the engine, one import after the other; it ends with the
    # command, whatever ends it
    drawer = FigureDrawer.start()
    context.call_on_close(drawer.close)
    from sim.batch.executors import CHOICES
    from sim.config import load_scenario

    loaded = load_scenario(scenario, overrides)  # before the heavy imports: errors come fast
    if executor not in CHOICES:
        raise InputError("--executor", "", executor, ", ".join(CHOICES))
    if scheduler is not None and executor != "dask":
        raise InputError("--scheduler", "", scheduler, "only with --executor dask")
    if out is not None and not out.strip():
        raise InputError("--out", "", out, "a folder name (an empty one would mean the "
                         "current folder: write --out . for that)")
    if scheduler is not None:
        from sim.batch.executors import check_scheduler

        check_scheduler(scheduler)
    adjust_runs = None
    if from_fit is not None:
        from functools import partial

        from sim.fit.forecast import check_fit, posterior_specs

        check_fit(from_fit)  # before the folder is touched
        adjust_runs = partial(posterior_specs, folder=from_fit, seed=loaded.seed)
    from sim.batch import run_batch
    from sim.batch.executors import ExecutorLost
    from sim.batch.lock import FolderLock
    from sim.batch.progress import BatchProgress
    from sim.batch.store import disk_errors, record_written

    folder = Path(out) if out is not None else Path("results") / loaded.name
    if folder.is_dir():  # a live writer is named before anything else is said or moved
        with disk_errors(folder):
            FolderLock(folder).acquire().release()
    kept = None if resume or force else _keep_earlier_results(folder)
    interrupted = []

    def on_interrupt(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    # Ctrl-C may surface inside a library (pyarrow, a pool) as another exception;
    # remembering it makes every such exit the same clean "interrupted". SIGTERM
    # (kill, a job scheduler's stop) ends the batch the same way.
    previous = {number: signal.signal(number, on_interrupt)
                for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        with BatchProgress(quiet=quiet) as progress:
            batch = run_batch(loaded, folder, executor=executor, workers=workers,
                              scheduler=scheduler, replications=replications, resume=resume,
                              force=force, source=str(scenario), on_progress=progress,
                              adjust_runs=adjust_runs)
    except BaseException as failure:
        if kept is not None and not folder.exists():
            kept.rename(folder)  # nothing ran (bad data): the earlier results go back
            kept = None
        if isinstance(failure, ExecutorLost):
            saved = (f"finished runs are saved in {folder}; continue with the same command "
                     "and --resume" if (folder / "manifest.json").is_file()
                     else "nothing was saved")
            errors.print(f"error: {failure}: {saved}", markup=False)
            raise typer.Exit(1) from None
        if not interrupted:
            raise
        if (folder / "manifest.json").is_file():
            errors.print(f"interrupted: finished runs are saved in {folder}; "
                         "continue with the same command and --resume", markup=False)
        else:
            errors.print("interrupted before any run finished: nothing was saved",
                         markup=False)
        raise typer.Exit(130 if interrupted[0] == signal.SIGINT else 128 + interrupted[0]
                         ) from None
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    figure = ""
    if len(batch.runs) <= FIGURE_MAX_RUNS:
        with disk_errors(folder):
            drawer.draw(folder, title=f"{loaded.name}: adoption (mean, 95% band)")
        record_written(folder, [folder / "adoption.png"])
        figure = ", adoption.png"
    if not quiet:
        from sim.results.terminal import print_summary

        print_summary(console, batch.runs, loaded.model_dump(mode="json"))
        # paths whole on their line, to copy
        console.print(f"results: {folder}/ (runs.parquet, timeseries.parquet, scenario.yaml, "
                      f"manifest.json{figure})", markup=False, highlight=False, soft_wrap=True)
        if kept is not None:
            console.print(f"earlier results: {kept}/", markup=False, highlight=False,
                          soft_wrap=True)


def _keep_earlier_results(folder: Path) -> Path | None:
    """Make room for a new batch in ``folder``: a finished batch's results move to the
    first free ``folder.1``, ``folder.2``...; an unfinished batch, or files buzz did not
    write, are refused in one line naming what to do. Returns where results moved."""
    if not folder.is_dir() or not any(folder.iterdir()):
        return None
    manifest = folder / "manifest.json"
    try:
        status = json.loads(manifest.read_text(encoding="utf-8")).get("status")
    except (OSError, ValueError):
        status = None
    if status in ("running", "interrupted"):
        raise InputError(str(folder), "", None,
                         f"a folder without an unfinished batch (this one's batch is "
                         f"{status}: continue it with --resume, or start again with --force)")
    if status != "complete":
        raise InputError(str(folder), "", None,
                         "an empty folder or one written by buzz run (this one holds other "
                         "files: choose another --out)")
    number = 1
    while folder.with_name(f"{folder.name}.{number}").exists():
        number += 1
    kept = folder.with_name(f"{folder.name}.{number}")
    folder.rename(kept)
    return kept


@app.command()
def fit(
    scenario: ScenarioArg,
    observed: Annotated[Path, typer.Option(
        metavar="FILE", show_default=False,
        help="What was observed, CSV or Parquet: adoption curves (step, heard and/or "
        "adopters; optional message, cascade) or final sizes (reach and/or adopters, one "
        "row per cascade; optional message).")],
    param: Annotated[list[str], typer.Option(
        metavar="KEY=LOW:HIGH", show_default=False,
        help="A key to fit and its prior: uniform LOW:HIGH or log-uniform log:LOW:HIGH, "
        "e.g. messages.promo.rule.p=0.01:0.5 (repeat it for several).")],
    out: Annotated[Path | None, typer.Option(
        metavar="FOLDER", show_default="results/NAME-fit", help="The fit's folder.")] = None,
    overrides: SetOption = None,
    step_duration: Annotated[float, typer.Option(
        metavar="STEPS", help="Scenario steps in one step of the data.")] = 1.0,
    simulations: Annotated[int, typer.Option(
        min=1, metavar="N", help="Stop after the generation in which this many "
        "simulations have run.")] = 20_000,
    population: Annotated[int, typer.Option(
        min=10, metavar="N", help="Accepted parameter points per generation.")] = 200,
    generations: Annotated[int, typer.Option(
        min=1, metavar="N", help="At most this many generations.")] = 8,
    seed: Annotated[int | None, typer.Option(
        metavar="N", show_default="the scenario's",
        help="The fit's seed (a serial fit is reproducible from it).")] = None,
    executor: Annotated[str, typer.Option(
        metavar="NAME", help="serial, processes (one worker per core) or dask.")] = "serial",
    workers: Annotated[int | None, typer.Option(
        min=1, metavar="N", show_default="one per core", help="Worker processes.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        metavar="ADDRESS", show_default="a local cluster",
        help="Dask scheduler address (tcp://host:port).")] = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue an interrupted fit from its database in the folder.")
    ] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace a fit already in the folder.")] = False,
) -> None:
    """Infer scenario keys from observed data (ABC-SMC); estimates with 90% intervals.

    Writes fit.json, posterior.parquet, fit.db (resumable) and figures/ in the folder.

    Example: buzz fit launch.yaml --observed launch.csv --param messages.promo.rule.p=0.01:0.5
    """
    from sim.fit import fit as run_fit  # checks the executor before anything runs

    def progress(generation) -> None:
        console.print(
            f"generation {generation.generation + 1}: epsilon {generation.epsilon:.4g}, "
            f"acceptance {generation.acceptance_rate:.1%}, {generation.simulations:,} "
            f"simulations ({generation.total_simulations:,} in all)",
            markup=False, highlight=False)

    try:
        result = run_fit(scenario, observed, param, out, overrides=overrides,
                         step_duration=step_duration, population=population,
                         generations=generations, simulations=simulations, seed=seed,
                         executor=executor, workers=workers, scheduler=scheduler,
                         resume=resume, force=force, on_generation=progress)
    except KeyboardInterrupt:
        errors.print("interrupted: every finished generation is saved; continue with the "
                     "same command and --resume", markup=False)
        raise typer.Exit(130) from None
    from sim.fit.posterior import estimate_words

    for key, entry in result.parameters.items():
        console.print(estimate_words(key, entry), markup=False, highlight=False,
                      soft_wrap=True)
    for note in result.notes:
        console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"{result.simulations:,} simulations in {len(result.generations)} "
                  "generation(s)", markup=False, highlight=False)
    console.print(f"fit: {result.folder}/ (fit.json, posterior.parquet, fit.db, "
                  "figures/fit.png, figures/posterior.png)", markup=False, highlight=False,
                  soft_wrap=True)


ResultsArg = Annotated[Path, typer.Argument(
    help="A results folder written by 'buzz run'.", show_default=False, metavar="FOLDER")]


@app.command()
def plot(folder: ResultsArg) -> None:
    """Draw a results folder's figures as PNG files in FOLDER/figures/.

    Example: buzz plot results/strategy_sweep
    """
    from sim.batch.store import disk_errors, load_results, record_written
    from sim.results.plots import make_figures
    from sim.results.replay import replay_cascade_tree

    with disk_errors(folder):
        paths = make_figures(load_results(folder), folder)
    for path in paths:
        console.print(str(path))
    try:  # who told whom: run 0 is run again (results keep counts, not links)
        with disk_errors(folder):
            tree = replay_cascade_tree(folder)
    except InputError as error:  # the other figures stand; say why this one is missing
        errors.print(f"warning: no cascade tree: {error}", markup=False)
        return
    if tree is not None:
        record_written(folder, [tree.path])
        console.print(str(tree.path))


@app.command()
def report(folder: ResultsArg) -> None:
    """Write FOLDER/report.html (the arms ranked, every measure with its interval,
    the figures, in one file to send on) and FOLDER/summary.csv; for a folder written
    by buzz fit, the estimates, their intervals and the figures.

    Example: buzz report results/product_launch
    """
    if (folder / "fit.json").is_file() and not (folder / "runs.parquet").is_file():
        from sim.fit.report import write_fit_report  # a folder written by buzz fit

        console.print(str(write_fit_report(folder)), markup=False, highlight=False)
        return
    from sim.batch.store import disk_errors
    from sim.results.report import write_report

    with disk_errors(folder):
        path = write_report(folder)
    console.print(str(path), markup=False, highlight=False)
    console.print(str(path.with_name("summary.csv")), markup=False, highlight=False)


VIZ_NEEDS = ("solara", "altair", "ipyvuetify")


@app.command()
def viz(
    scenario: ScenarioArg,
    overrides: SetOption = None,
    port: Annotated[int, typer.Option(min=1, max=65535, metavar="N",
                                      help="Port to serve on.")] = 8765,
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="Address to serve on.")
                    ] = "127.0.0.1",
    log_requests: Annotated[
        bool, typer.Option("--log-requests",
                           help="Log every HTTP request (to see an asset that fails to load).")
    ] = False,
) -> None:
    """Serve the interactive page (Solara, over the Mesa model) for a scenario; Ctrl-C stops it.

    Example: buzz viz scenarios/quickstart.yaml --port 8765
    """
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
    network: Annotated[Path, typer.Argument(
        help="A scenario YAML file or an edge-list file.", show_default=False,
        metavar="NETWORK")],
    directed: Annotated[bool, typer.Option("--directed",
                                           help="Read the edge list as directed.")] = False,
    weight: Annotated[
        str | None,
        typer.Option(metavar="COLUMN",
                     help="The edge list's weight column: a position (3) or a header name."),
    ] = None,
    exact_limit: Annotated[
        int,
        typer.Option(
            min=1, max=MAX_INDEX, metavar="N",
            help="Exact path lengths up to this many people in the giant component."
        ),
    ] = 20_000,
    sources: Annotated[
        int, typer.Option(min=1, max=1_000_000, metavar="N",
                          help="Sources of breadth-first searches sampled beyond the limit.")
    ] = 500,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, metavar="N",
                                      help="Seed for sampled sources.")] = 0,
) -> None:
    """Print JSON statistics of a network: degrees, components, clustering, paths.

    Example: buzz network-stats scenarios/small_world.yaml
    """
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
        return build_network(scenario.network, RunStreams(scenario.seed, 0).network_rng(),
                             scenario.steps)
    return read_edgelist(path, directed=directed, weight=weight)


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
    except NoArgsIsHelpError as error:  # bare "buzz": the help, as asked
        error.show()
        sys.exit(EXIT_BAD_INPUT)
    except TyperException as error:  # usage errors: one line, and where to read more
        errors.print(f"error: {_usage_line(error)}", markup=False)
        sys.exit(getattr(error, "exit_code", EXIT_BAD_INPUT))


def _usage_line(error: TyperException) -> str:
    """A usage error (a bad option value, a missing argument) in one line, naming the
    command and its --help."""
    message = " ".join(error.format_message().split()) if hasattr(
        error, "format_message") else str(error)
    context = getattr(error, "ctx", None)
    command = context.command_path if context is not None else "buzz"
    return f"{command}: {message} (see {command} --help)"


if __name__ == "__main__":
    main()
