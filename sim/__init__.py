"""buzz: simulate how a message spreads through social networks.

The main entry points, imported lazily so that ``import sim`` stays cheap:

- ``sim.run_batch(scenario, out=..., executor=...)`` runs a scenario's batch;
- ``sim.load_results(folder)`` reads a results folder back;
- ``sim.load_scenario(path)`` validates a scenario file;
- ``sim.BuzzModel`` is the Mesa model;
- ``sim.fit(scenario, observed, params, out=...)`` fits a scenario's keys to observed
  data (the package :mod:`sim.fit`, itself callable).
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "run_batch": "sim.batch",
    "load_results": "sim.batch.store",
    "load_scenario": "sim.config",
    "BuzzModel": "sim.model",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name == "fit":  # a callable package
        return import_module("sim.fit")
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
