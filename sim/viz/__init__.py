"""``buzz viz``: Mesa's SolaraViz page for a scenario.

:mod:`~sim.viz.page` holds the model the page steps, its sliders and its pictures (no
Solara: testable alone); :mod:`~sim.viz.app` is the Solara app ``buzz viz`` serves.
"""
