"""Reading import files: CSV (any delimiter; UTF-8 with or without BOM, UTF-16
with a BOM in either byte order, Latin-1 or cp1252) and XLSX, with a first
pass that checks the file's structure so that a broken file fails before
anything is written."""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
XLSX_MAGIC = b"PK\x03\x04"


class FileProblem(Exception):
    """The file itself cannot be imported; the message says why, for a person."""


@dataclass(frozen=True)
class FileShape:
    """What the first pass learnt: how to read the file, and what is in it."""

    format: str  # "csv" or "xlsx"
    encoding: str
    delimiter: str
    header: list[str]
    total_rows: int


def _limits() -> tuple[int, int]:
    return settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_FIELD_CHARS


def _is_xlsx(path: Path, head: bytes) -> bool:
    return head.startswith(XLSX_MAGIC) or path.suffix.lower() == ".xlsx"


def inspect(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> FileShape:
    """Read the whole file once: decide its encoding and delimiter, check the
    header, and count the data rows. Raises FileProblem."""
    max_bytes, _ = _limits()
    size = path.stat().st_size
    if size == 0:
        raise FileProblem("The file is empty.")
    if size > max_bytes:
        raise FileProblem(
            f"The file is {_size(size)}; the limit is {_size(max_bytes)}. "
            "Split it into smaller files."
        )
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if _is_xlsx(path, head):
        return _inspect_xlsx(path)
    wide = _utf16_by_bom(head)
    # UTF-16 text is full of NUL bytes; any other text holds none.
    if not wide and not _is_wide(encoding) and _has_nul(path):
        raise FileProblem("This is not a text file (it holds binary data). Upload CSV or XLSX.")
    if encoding:
        try:
            return _inspect_csv(path, encoding, delimiter)
        except UnicodeDecodeError as exc:
            raise FileProblem(
                f"The file is not {encoding} text (byte {exc.start + 1:,} cannot be read "
                f"as {encoding}). Give its encoding, for example latin-1."
            ) from None
    if wide:
        try:
            return _inspect_csv(path, wide, delimiter)
        except UnicodeDecodeError as exc:
            raise FileProblem(
                f"The file starts as UTF-16 text but byte {exc.start + 1:,} cannot be read as "
                "UTF-16."
            ) from None
    try:
        return _inspect_csv(path, "utf-8-sig", delimiter)
    except UnicodeDecodeError:
        # Not UTF-8: spreadsheet exports from older tools are Latin-1, or its
        # Windows form cp1252, which puts €, curly quotes and dashes where
        # Latin-1 has control characters no real text uses.
        return _inspect_csv(path, _latin1_or_cp1252(path), delimiter)


def _utf16_by_bom(head: bytes) -> str:
    """ "utf-16" when the file starts with a UTF-16 byte order mark (either
    order; the codec reads the mark and drops it), else ""."""
    return "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else ""


def _is_wide(encoding: str | None) -> bool:
    if not encoding:
        return False
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name.startswith(("utf-16", "utf-32"))


# Bytes that are control characters in Latin-1 but letters and signs in cp1252.
_C1 = re.compile(rb"[\x80-\x9f]")


def _latin1_or_cp1252(path: Path) -> str:
    """cp1252 when the file uses its letters and signs and has none of the
    five bytes it leaves undefined; else Latin-1 (which reads any byte)."""
    seen_c1 = False
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            seen_c1 = seen_c1 or bool(_C1.search(chunk))
            if any(byte in chunk for byte in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")):
                return "latin-1"
    return "cp1252" if seen_c1 else "latin-1"


def _size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1e6:,.1f} MB"
    if size >= 1_000:
        return f"{size / 1e3:,.1f} kB"
    return f"{size:,} bytes"


def _has_nul(path: Path) -> bool:
    """Text files hold no NUL byte; a NUL anywhere would also be refused by
    the database, so the whole file is looked at, not only its start."""
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            if b"\x00" in chunk:
                return True
    return False


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        # The sniffer gives up when quoted values hold the delimiter; the
        # header rarely does: take the candidate it holds most of.
        first_line = sample.splitlines()[0] if sample else ""
        counts = {d: first_line.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _csv_reader(handle, delimiter: str):
    _, max_field = _limits()
    csv.field_size_limit(max_field)
    return csv.reader(handle, delimiter=delimiter, strict=True)


def _check_header(header: list[str], delimiter: str) -> list[str]:
    # A byte order mark left by a codec that does not drop it is not a name.
    header = [cell.strip().lstrip("\ufeff").strip() for cell in header]
    if not any(header):
        raise FileProblem("The first row (the header) is empty: it must name the columns.")
    if len(header) == 1:
        for other in DELIMITERS:
            if other != delimiter and other in header[0]:
                shown = "tab" if other == "\t" else f"“{other}”"
                raise FileProblem(
                    f"The header is a single column “{header[0][:80]}”: the file seems to be "
                    f"separated by {shown}. Give that delimiter."
                )
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if not name:
            raise FileProblem(f"Column {position} has no name in the header.")
        key = name.lower()
        if key in seen:
            raise FileProblem(
                f"The column “{name}” appears twice in the header (columns {seen[key]} and "
                f"{position}); column names must be unique."
            )
        seen[key] = position
    return header


def _is_blank(values: list[str]) -> bool:
    """A blank line (csv gives no values for it) is not a row."""
    return not values


def _inspect_csv(path: Path, encoding: str, delimiter: str | None) -> FileShape:
    rows = 0
    records = 0  # read so far, the header and blank lines included
    try:
        with path.open("r", encoding=encoding, newline="") as handle:
            sample = handle.read(SNIFF_BYTES)
            delimiter = delimiter or _sniff_delimiter(sample)
            handle.seek(0)
            reader = _csv_reader(handle, delimiter)
            try:
                header = _check_header(next(reader), delimiter)
            except StopIteration:
                raise FileProblem("The file is empty.") from None
            records = 1
            for values in reader:
                records += 1
                if not _is_blank(values):
                    rows += 1
    except LookupError:
        raise FileProblem(f"“{encoding}” is not a known text encoding.") from None
    except csv.Error as exc:
        raise FileProblem(f"Row {records + 1} cannot be read: {_csv_message(exc)}") from None
    if rows == 0:
        raise FileProblem("The file has a header but no data rows.")
    return FileShape("csv", encoding, delimiter, header, rows)


def _csv_message(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        _, max_field = _limits()
        return f"a value is longer than {max_field:,} characters."
    if "unexpected end of data" in text:
        return "the quoting is broken (a quote is opened and never closed)."
    if "expected after" in text or "quote" in text or "EOF" in text:
        return f"the quoting is broken ({text})."
    return text


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.isoformat(sep=" ")
            if value.time() != datetime.min.time()
            else value.date().isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@contextmanager
def _xlsx_rows(path: Path):
    """The first sheet's rows as tuples of values. The workbook is opened from
    a handle, so that openpyxl judges it by its content, not by its name."""
    from openpyxl import load_workbook

    with path.open("rb") as handle:
        try:
            book = load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise FileProblem(
                f"This is not a readable XLSX workbook ({exc.__class__.__name__})."
            ) from None
        try:
            yield book.worksheets[0].iter_rows(values_only=True)
        finally:
            book.close()


# Parts smaller than this cannot do harm whatever their ratio.
RATIO_CHECKED_FROM = 1024 * 1024


def check_xlsx_archive(path: Path) -> None:
    """Refuse a workbook before reading it when unpacking it would take more
    than the documented limits (settings.IMPORT_XLSX_*): its total unpacked
    size, any part's compression ratio, and the shared strings, which the
    reader keeps in memory. The sizes are the ones the archive declares; the
    zip reader stops at them, so a part cannot unpack to more."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise FileProblem("This is not a readable XLSX workbook (not a zip archive).") from None
    total = 0
    for part in parts:
        total += part.file_size
        if total > settings.IMPORT_XLSX_MAX_UNPACKED_BYTES:
            limit = _size(settings.IMPORT_XLSX_MAX_UNPACKED_BYTES)
            raise FileProblem(
                f"The workbook unpacks to more than {limit} (the limit). Save the sheet as CSV, "
                "or split it."
            )
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size >= RATIO_CHECKED_FROM and ratio > settings.IMPORT_XLSX_MAX_RATIO:
            raise FileProblem(
                f"The workbook's part “{part.filename}” is compressed {ratio:,.0f} to 1 "
                f"({_size(part.compress_size)} unpacking to {_size(part.file_size)}); the limit "
                f"is {settings.IMPORT_XLSX_MAX_RATIO} to 1. It was not read."
            )
        if (
            part.filename.lower().endswith("sharedstrings.xml")
            and part.file_size > settings.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES
        ):
            raise FileProblem(
                f"The workbook's shared strings unpack to {_size(part.file_size)}; the limit is "
                f"{_size(settings.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES)}. Save the sheet as CSV."
            )


def _inspect_xlsx(path: Path) -> FileShape:
    check_xlsx_archive(path)
    with _xlsx_rows(path) as rows:
        try:
            header = _check_header([_cell_text(v) for v in next(rows)], ",")
        except StopIteration:
            raise FileProblem("The workbook's first sheet is empty.") from None
        count = sum(1 for row in rows if any(v not in (None, "") for v in row))
    if count == 0:
        raise FileProblem("The file has a header but no data rows.")
    return FileShape("xlsx", "", "", header, count)


def iter_rows(path: Path, shape: FileShape, *, skip: int = 0) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number, values) for the data rows after the first ``skip``.
    Row numbers count records, the header being row 1."""
    if shape.format == "xlsx":
        yield from _iter_xlsx(path, skip)
        return
    with path.open("r", encoding=shape.encoding, newline="") as handle:
        reader = _csv_reader(handle, shape.delimiter)
        next(reader)
        index = 0  # data rows, as counted by inspect() and skipped by a resumed run
        for number, values in enumerate(reader, start=2):
            if _is_blank(values):
                continue
            if index >= skip:
                yield number, values
            index += 1


def _iter_xlsx(path: Path, skip: int) -> Iterator[tuple[int, list[str]]]:
    with _xlsx_rows(path) as rows:
        next(rows)
        index = 0
        for row in rows:
            if not any(v not in (None, "") for v in row):
                continue
            if index >= skip:
                yield index + 2, [_cell_text(v) for v in row]
            index += 1
