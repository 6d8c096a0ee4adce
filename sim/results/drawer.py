"""``adoption.png`` drawn by a helper process that loads matplotlib while the batch runs.

A ``buzz run`` spends most of a small batch importing: numba, pandas and buzz's engine
on one core, one after the other. Importing matplotlib for the run's figure took
another 0.4 to 0.5 s of that single-core wait (a quarter of the quickstart). A
:class:`FigureDrawer` started as the run begins imports it in a second process, on
the core the imports leave idle; once the tables are written it is told where they
are, reads them and draws ``adoption.png`` with :func:`sim.results.plots.adoption_curve`,
the same function on the same tables: the same picture.

Nothing depends on the helper: when it cannot start, fails or was killed, the figure
is drawn in this process as before, so a failure to write is reported the usual way.
The helper never outlives its run: it reads its one request from a pipe, and a run
that ends without asking (bad data, Ctrl-C, a crash, ``kill -9``) closes that pipe.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import sim

DRAW_SECONDS = 120  # far above a drawing (0.1 to 0.5 s); a helper stuck past it is killed


class FigureDrawer:
    """A helper process that draws a results folder's ``adoption.png``.

    Examples
    --------
    >>> with FigureDrawer.start() as drawer:
    ...     pass  # a run that ended without needing its figure: the helper ends with it
    >>> drawer.alive
    False
    """

    def __init__(self, process: subprocess.Popen | None) -> None:
        self._process = process

    @classmethod
    def start(cls) -> FigureDrawer:
        """Start the helper. Without one :meth:`draw` draws here: when no process could
        start, and when this process has loaded matplotlib already (a notebook, a test
        session), where drawing costs only the drawing."""
        if "matplotlib.figure" in sys.modules:
            return cls(None)
        return cls(cls._spawn())

    @staticmethod
    def _spawn() -> subprocess.Popen | None:
        """The helper process, or None when it could not start."""
        # the helper must import this very buzz, even run from a source tree
        package_root = str(Path(sim.__file__).resolve().parents[1])
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
            filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        try:
            return subprocess.Popen(
                [sys.executable, "-m", "sim.results.drawer"], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment,
                # its own session: Ctrl-C at the terminal is the run's to handle
                start_new_session=True)
        except OSError:
            return None

    def __enter__(self) -> FigureDrawer:
        return self

    def __exit__(self, *failure: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        """Whether the helper is still waiting for its request."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The helper's process id (None without a helper)."""
        return None if self._process is None else self._process.pid

    def draw(self, folder: Path, title: str) -> Path:
        """Draw ``folder/adoption.png`` from the folder's tables, in the helper if it
        is alive and succeeds, else here; return the figure's path."""
        drawn = False
        if self.alive:
            request = json.dumps({"folder": str(folder), "title": title}) + "\n"
            try:
                self._process.communicate(request.encode(), timeout=DRAW_SECONDS)
                drawn = self._process.returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.close()
        return folder / "adoption.png" if drawn else draw_adoption(folder, title)

    def close(self) -> None:
        """End the helper at once, if it has not ended."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            if self._process.stdin is not None:
                self._process.stdin.close()
            self._process = None


def draw_adoption(folder: Path, title: str) -> Path:
    """``folder/adoption.png`` from the folder's ``timeseries.parquet`` and ``runs.parquet``."""
    import pandas as pd

    from sim.results.plots import adoption_curve

    return adoption_curve(pd.read_parquet(folder / "timeseries.parquet"),
                          pd.read_parquet(folder / "runs.parquet"), folder / "adoption.png",
                          title=title)


def serve() -> int:
    """The helper: import what drawing needs, then draw the one figure asked for on
    standard input; exit 0 when drawn (or not asked for), 1 when drawing failed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run decides when it ends
    gc.set_threshold(50_000)  # the collector's pace of sim.cli: imports leave no garbage
    # why this process exists: these imports, ahead of time
    import pandas  # noqa: F401

    import sim.results.plots  # noqa: F401
    from sim.results.statistics import t_quantile

    t_quantile(2)  # the bands' quantile loads scipy.special: 0.15 s of a first figure

    line = sys.stdin.readline()
    if not line:
        return 0  # the run ended without needing a figure
    request = json.loads(line)
    try:
        draw_adoption(Path(request["folder"]), request["title"])
    except Exception:  # the run draws it again itself, and reports what went wrong
        return 1
    return 0


if __name__ == "__main__":
    # at once: the run waits for this process to end, and an interpreter's shutdown
    # with matplotlib and pandas loaded took 0.3 s (the figure is written and closed)
    os._exit(serve())
