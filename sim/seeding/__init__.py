"""Whom a message starts from: seeding strategies, seed costs and budgets, greedy (CELF)."""
