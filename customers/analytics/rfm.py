"""RFM scoring and the named RFM segments: one definition, used by the
PostgreSQL statement (as SQL text) and by the portable path (as Python).

Scores (1 to 5) are given over the customers who have ordered, N of them. A
customer's score is

    1 + floor(5 × B / N)

where B is the number of customers whose value is strictly worse: a longer
time since the last order (R), fewer orders (F), less spent (M). Equal values
have the same B, so equal values always get equal scores; the best value
gets 5 unless more than a fifth of the customers share it, and the worst gets 1.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from customers.models import RfmSegment

# The mapping from scores to a named segment: the first line whose ranges
# contain the customer's scores names it. Every combination of scores meets
# one line (the last lines cover every R with the F and M the earlier ones
# did not take).
SEGMENT_RULES: tuple[tuple[str, dict[str, tuple[int, int]]], ...] = (
    (RfmSegment.CHAMPIONS, {"r": (4, 5), "f": (4, 5), "m": (4, 5)}),
    (RfmSegment.LOYAL, {"r": (3, 5), "f": (4, 5)}),
    (RfmSegment.NEW, {"r": (4, 5), "f": (1, 1)}),
    (RfmSegment.POTENTIAL_LOYALIST, {"r": (4, 5)}),
    (RfmSegment.CANT_LOSE, {"r": (1, 2), "f": (4, 5), "m": (4, 5)}),
    (RfmSegment.AT_RISK, {"r": (1, 2), "f": (3, 5)}),
    (RfmSegment.HIBERNATING, {"r": (2, 3)}),
    (RfmSegment.LOST, {"r": (1, 1)}),
)


def segment_for(r: int, f: int, m: int) -> str:
    scores = {"r": r, "f": f, "m": m}
    for segment, ranges in SEGMENT_RULES:
        if all(low <= scores[key] <= high for key, (low, high) in ranges.items()):
            return segment
    raise AssertionError(f"The RFM mapping misses R={r} F={f} M={m}.")  # pragma: no cover


def segment_sql(r: str, f: str, m: str) -> str:
    """The mapping as a SQL CASE over the three score columns named."""
    columns = {"r": r, "f": f, "m": m}
    whens = []
    for segment, ranges in SEGMENT_RULES:
        test = " AND ".join(
            f"{columns[key]} BETWEEN {low} AND {high}" for key, (low, high) in ranges.items()
        )
        whens.append(f"WHEN {test} THEN '{segment.value}'")
    return f"CASE {' '.join(whens)} ELSE '' END"


def score_sql(column: str, *, higher_is_better: bool) -> str:
    """A window expression giving the score of ``column`` over the rows of
    the query (the customers who have ordered)."""
    order = "ASC" if higher_is_better else "DESC"
    return f"1 + (5 * (RANK() OVER (ORDER BY {column} {order}) - 1)) / COUNT(*) OVER ()"


class Scorer:
    """The same rule in Python, for the portable path: built once over every
    buyer's value, then asked for one value's score."""

    def __init__(self, values: Sequence, *, higher_is_better: bool):
        self.values = sorted(values)
        self.higher_is_better = higher_is_better

    def __call__(self, value) -> int:
        n = len(self.values)
        if self.higher_is_better:
            worse = bisect_left(self.values, value)
        else:
            worse = n - bisect_right(self.values, value)
        return 1 + (5 * worse) // n
