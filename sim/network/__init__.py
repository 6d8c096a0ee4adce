"""Networks: the CSR :class:`~sim.network.graph.Graph`, the generators, edge lists, and
every graph measure (statistics and the centralities seeding ranks people by).

- :mod:`~sim.network.graph`: the graph every kernel reads;
- :mod:`~sim.network.generators`: Watts-Strogatz, Erdos-Renyi, Barabasi-Albert and the
  other models of a scenario's ``network`` section, layers, networkx conversion;
- :mod:`~sim.network.edgelist`: reading edge-list files;
- :mod:`~sim.network.stats`: ``buzz network-stats`` (degrees, components, clustering,
  path lengths);
- :mod:`~sim.network.centrality`: PageRank, core numbers, betweenness and communities,
  which seeding strategies rank people by.
"""
