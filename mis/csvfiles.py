"""The one way the application writes CSV: every cell that a spreadsheet
would run as a formula is neutralised (CSV injection).

Every CSV file a person downloads or receives (exports, snapshot exports,
the data-subject package, import error reports, the processing register,
the access report, analytics figures) is written through ``csv_writer`` /
``csv_dict_writer`` or the helpers built on them; a test fails for a
``csv.writer`` anywhere else in the application (tests/mis/test_csv_writer.py).
The only exceptions are files written for the application's own machinery,
never for a person, where a leading quote would change the data: the
duplicate sweep's input to DuckDB and the demo's ground truth read back by
the accuracy benchmark.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

# A cell starting with one of these is a formula to Excel and friends.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection) with a leading quote.
    Idempotent: an escaped cell starts with the quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


class _SafeWriter:
    """``csv.writer`` whose every cell goes through ``safe_cell``."""

    def __init__(self, handle, **kwargs):
        self._writer = csv.writer(handle, **kwargs)

    def writerow(self, row: Iterable):
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


class _SafeDictWriter(csv.DictWriter):
    """``csv.DictWriter`` writing through ``_SafeWriter`` (header included)."""

    def __init__(self, handle, fieldnames, **kwargs):
        super().__init__(handle, fieldnames, **kwargs)
        self.writer = _SafeWriter(handle)


def csv_writer(handle, **kwargs) -> _SafeWriter:
    return _SafeWriter(handle, **kwargs)


def csv_dict_writer(handle, fieldnames, **kwargs) -> _SafeDictWriter:
    return _SafeDictWriter(handle, fieldnames, **kwargs)


def csv_text(rows: Iterable[Iterable]) -> str:
    """Rows as CSV text, every cell made safe."""
    buffer = io.StringIO()
    csv_writer(buffer).writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, rows: Iterable[list]) -> int:
    """Write rows with every cell made safe; returns the number of data rows."""
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv_writer(handle)
        for row in rows:
            writer.writerow(row)
            written += 1
    return max(written - 1, 0)


def csv_stream(rows: Iterable[list], *, block: int = 500) -> Iterator[str]:
    """CSV text in blocks of ``block`` rows, every cell made safe: the body of
    a streamed download, whose memory does not grow with the file."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % block == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
