"""Writing CSV that spreadsheets open safely."""

import csv
import io
from collections.abc import Iterable, Iterator
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


def csv_stream(rows: Iterable[list], *, block: int = 500) -> Iterator[str]:
    """CSV text in blocks of ``block`` rows, every cell made safe: the body of
    a streamed download, whose memory does not grow with the file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if count % block == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
