"""The bounds every scenario and command-line number respects (no imports: the
command line reads them before anything heavy loads).

The kernels number people and steps with int32-sized indices, and Parquet stores
seeds as int64; steps and replications are bounded so a typo (``steps: 1e12``) is an
error, not an allocation of terabytes.
"""

MAX_INDEX = 2**31 - 1
MAX_SEED = 2**63 - 1
MAX_STEPS = 1_000_000
MAX_REPLICATIONS = 1_000_000
MAX_WORKERS = 1024  # local worker processes (--workers)
