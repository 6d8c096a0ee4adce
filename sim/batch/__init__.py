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

from sim.batch.engine import BatchResult, run_batch

__all__ = ["BatchResult", "run_batch"]
