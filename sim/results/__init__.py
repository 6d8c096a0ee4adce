"""Reading a results folder: batch statistics with confidence intervals, figures, the
HTML report and the replayed cascade tree.

- :mod:`~sim.results.statistics`: summaries over replications, paired comparisons
  of sweep points, swept keys and their labels;
- :mod:`~sim.results.plots`: figures, drawn from the tables and arrays they are given;
- :mod:`~sim.results.report`: ``report.html``, one self-contained page;
- :mod:`~sim.results.replay`: the cascade tree of a folder's first run, run again.

Imports run one way: this package reads what :mod:`sim.batch` wrote (its store) and
may use the layers below it; nothing in :mod:`sim.batch`, :mod:`sim.measures` or
:mod:`sim.model` imports it.
"""
