"""What a run measures, per message: the cascade's shape (tree depth, breadth,
structural virality), its curve, its reach by layer and money. Called by the batch
engine on each run.

- :mod:`~sim.measures.cascade`: the shape of who told whom;
- :mod:`~sim.measures.curves`: reach, adopters, peak, t50, time to contain, share
  of voice and net sentiment, from the counts;
- :mod:`~sim.measures.layers`: the people each layer of a layered network reached.
"""
