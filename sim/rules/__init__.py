"""Virality rules: one file per rule, and the registry that names them.

Each built-in rule's file holds its schema (the pydantic model of its section in a
scenario), its njit kernels and its rule object, which the model calls to advance a
message; :mod:`sim.rules.common` and :mod:`sim.rules.coins` hold what the kernels
share. Importing this package registers the built-in rules; see
``docs/adding_a_rule.md`` for adding one from another package.

Examples
--------
>>> import sim.rules
>>> sorted(sim.rules.names())  # doctest: +NORMALIZE_WHITESPACE
['bass', 'bounded_confidence', 'independent_cascade', 'linear_threshold', 'majority',
 'q_voter', 'rumor', 'sir', 'sis', 'voter']
"""

# ruff: noqa: I001 (the built-in rules register in this order, the order errors list them)
from sim.rules.registry import (
    Rule,
    Slider,
    make_rule,
    names,
    on_change,
    register,
    rule_class,
    rules,
)
from sim.rules.independent_cascade import IndependentCascade, IndependentCascadeRule
from sim.rules.linear_threshold import LinearThreshold, LinearThresholdRule
from sim.rules.bass import Bass, BassRule
from sim.rules.rumor import Rumor, RumorRule
from sim.rules.sir import SIR, SIS, SIRRule, SISRule
from sim.rules.opinion import Majority, MajorityRule, QVoter, QVoterRule, Voter, VoterRule
from sim.rules.bounded_confidence import BoundedConfidence, BoundedConfidenceRule

__all__ = [
    "SIR",
    "SIS",
    "Bass",
    "BassRule",
    "BoundedConfidence",
    "BoundedConfidenceRule",
    "IndependentCascade",
    "IndependentCascadeRule",
    "LinearThreshold",
    "LinearThresholdRule",
    "Majority",
    "MajorityRule",
    "QVoter",
    "QVoterRule",
    "Rule",
    "Rumor",
    "RumorRule",
    "SIRRule",
    "SISRule",
    "Slider",
    "Voter",
    "VoterRule",
    "make_rule",
    "names",
    "on_change",
    "register",
    "rule_class",
    "rules",
]
