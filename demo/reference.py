"""The demo's reference tables, read from the CSV files in ``demo/data/``:
real UK towns with their county, dialling code and postcode districts, street
names, house names, trades, free-mail domains, the interest vocabulary,
nicknames and product categories. Editing the data is editing a CSV file;
the code below only gives each table its shape."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (DATA_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _column(name: str, column: str) -> tuple[str, ...]:
    return tuple(row[column] for row in _rows(name))


def _weighted_column(name: str, column: str) -> tuple[tuple[str, int], ...]:
    return tuple((row[column], int(row["weight"])) for row in _rows(name))


@dataclass(frozen=True)
class Town:
    name: str
    county: str
    dialling_code: str  # without the trunk 0
    areas: tuple[tuple[str, int, int], ...]  # postcode area, lowest and highest district
    weight: int  # roughly the population, so that big cities hold more customers


def _districts(text: str) -> tuple[tuple[str, int, int], ...]:
    """``"E1-18 N1-22"`` -> ``(("E", 1, 18), ("N", 1, 22))``."""
    areas = []
    for item in text.split():
        area = item.rstrip("0123456789-")
        low, high = item[len(area) :].split("-")
        areas.append((area, int(low), int(high)))
    return tuple(areas)


TOWNS: tuple[Town, ...] = tuple(
    Town(
        row["town"],
        row["county"],
        row["dialling_code"],
        _districts(row["postcode_districts"]),
        int(row["weight"]),
    )
    for row in _rows("towns")
)
COMMON_STREETS = _column("streets", "street")
STREET_SUFFIXES = _weighted_column("street_suffixes", "suffix")
HOUSE_NAMES = _column("house_names", "house_name")
INDUSTRIES = _column("industries", "industry")
LEGAL_SUFFIXES = _weighted_column("legal_suffixes", "suffix")
FREE_MAIL = _weighted_column("free_mail", "domain")
INTEREST_VOCABULARY = _column("interests", "interest")

# Interests that people of a lifestyle pick more often than others.
LIFESTYLE_INTERESTS: dict[str, tuple[str, ...]] = {}
for _row in _rows("lifestyle_interests"):
    LIFESTYLE_INTERESTS[_row["lifestyle"]] = (
        *LIFESTYLE_INTERESTS.get(_row["lifestyle"], ()),
        _row["interest"],
    )

# Formal first name -> the short forms people give when they sign up again.
NICKNAMES: dict[str, tuple[str, ...]] = {
    row["first_name"]: tuple(row["nicknames"].split()) for row in _rows("nicknames")
}

# (category, lowest and highest unit price in pounds, weight)
CATEGORIES: tuple[tuple[str, int, int, int], ...] = tuple(
    (row["category"], int(row["lowest_price"]), int(row["highest_price"]), int(row["weight"]))
    for row in _rows("categories")
)
# Per month (1-12), categories that sell better than usual, with the factor.
SEASONAL_CATEGORIES: dict[int, dict[str, float]] = {}
for _row in _rows("seasonal_categories"):
    SEASONAL_CATEGORIES.setdefault(int(_row["month"]), {})[_row["category"]] = float(_row["factor"])
