"""What a run measures, per message: the cascade's shape (tree depth, breadth,
structural virality), its curve and money. Called by the batch engine on each run."""
