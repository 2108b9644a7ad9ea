"""Writing CSV that spreadsheets open safely."""

import csv
from collections.abc import Iterable
from pathlib import Path

# A cell starting with one of these is a formula to Excel and friends.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection) with a leading quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def write_csv(path: Path, rows: Iterable[list]) -> int:
    """Write rows with every cell made safe; returns the number of data rows."""
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow([safe_cell(cell) for cell in row])
            written += 1
    return max(written - 1, 0)
