"""Batches: sweep points and replications expanded into runs, executed serially, in
local processes or on Dask, and streamed to a resumable results folder.

- :mod:`~sim.batch.experiment`: one run from its spec to its table rows; chunks;
- :mod:`~sim.batch.multirep` (with :mod:`~sim.batch.multirep_kernels`): replications
  that share a network, run together;
- :mod:`~sim.batch.executors`: serial, processes, Dask;
- :mod:`~sim.batch.store`: the results folder (Parquet parts, manifest, resume);
- :mod:`~sim.batch.lock`: one writer per results folder;
- :mod:`~sim.batch.engine`: :func:`run_batch`, all of it end to end;
- :mod:`~sim.batch.progress`: the command line's progress bar.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["BatchResult", "run_batch"]


def __getattr__(name: str):
    # imported on first use: `buzz run` reads the executor names from
    # sim.batch.executors and checks the scenario before the engine (pandas, pyarrow,
    # the kernels) is imported, so a bad input is reported at once
    if name in __all__:
        return getattr(import_module("sim.batch.engine"), name)
    raise AttributeError(f"module 'sim.batch' has no attribute {name!r}")
