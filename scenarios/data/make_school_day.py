"""Write school_day.txt: one synthetic school day of face-to-face contacts.

240 pupils in 8 classes of 30, from 08:00 to 16:00. In each quarter of an hour of
lessons, each pair of classmates meets with probability 2 / 29 (about two contacts a
pupil); in the morning break (10:00-10:15) and at lunch (12:00-13:00) each pair of
pupils of the whole school meets with probability 3 / 239. A contact is ``u v t``, t
in seconds since midnight, drawn within its quarter. Seeded: the file is the same on
every run of ``python scenarios/data/make_school_day.py``.
"""

from pathlib import Path

import numpy as np

CLASSES, PUPILS, QUARTER = 8, 30, 900
BREAKS = {10 * 4} | set(range(12 * 4, 13 * 4))  # quarters of the day that mix classes


def contacts(rng: np.random.Generator) -> list[tuple[int, int, int]]:
    n_pupils = CLASSES * PUPILS
    lines = []
    for quarter in range(8 * 4, 16 * 4):
        pairs = np.array(np.triu_indices(n_pupils, 1)).T
        same_class = pairs[:, 0] // PUPILS == pairs[:, 1] // PUPILS
        if quarter in BREAKS:
            chance = np.full(len(pairs), 3 / (n_pupils - 1))
        else:
            chance = np.where(same_class, 2 / (PUPILS - 1), 0.0)
        met = pairs[rng.random(len(pairs)) < chance]
        times = quarter * QUARTER + rng.integers(0, QUARTER, len(met))
        lines += [(int(u), int(v), int(t)) for (u, v), t in zip(met, times, strict=True)]
    return lines


if __name__ == "__main__":
    rows = contacts(np.random.default_rng(2024))
    text = "".join(f"{u} {v} {t}\n" for u, v, t in rows)
    header = ("# one synthetic school day: pupil pupil seconds-since-midnight "
              "(scenarios/data/make_school_day.py)\n")
    Path(__file__).with_name("school_day.txt").write_text(header + "u v t\n" + text)
