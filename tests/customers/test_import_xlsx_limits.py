"""An XLSX workbook is a zip archive: one that would unpack beyond the
documented limits (settings.IMPORT_XLSX_*) is refused before it is read,
nothing is written, and memory stays small whatever the file."""

import resource
import zipfile
from pathlib import Path

import pytest

from tests.customers.importfiles import (
    import_file,
    isolated_media,  # noqa: F401 (autouse fixture)
    written,
    xlsx_file,
)
from tests.customers.test_import_bad_files import assert_failed_and_nothing_written

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"


def bomb(path: Path, *, unpacked_mb: int) -> Path:
    """A real workbook whose sheet is padded (inside a valid cell) to
    ``unpacked_mb`` megabytes of one repeated byte: a few hundred kB on disk.
    Written a megabyte at a time, so the test itself stays small."""
    template = xlsx_file(path.with_suffix(".template.xlsx"), [{"external_id": "A1"}])
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename != SHEET:
                target.writestr(item, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with target.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write(head)
                chunk = b" " * MB
                for _ in range(unpacked_mb):
                    sheet.write(chunk)
                sheet.write(b"</sheetData>" + tail)
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_zip_bomb_is_refused_before_it_is_read_and_memory_stays_small(tmp_path):
    path = bomb(tmp_path / "bomb.xlsx", unpacked_mb=300)
    assert path.stat().st_size < 2 * MB
    before = peak_rss_mb()

    job = import_file(path)

    assert_failed_and_nothing_written(job, "is compressed")
    assert "the limit is 100 to 1. It was not read." in job.error
    assert job.total_rows is None
    assert peak_rss_mb() - before < 50
    assert peak_rss_mb() < 500


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused(tmp_path, settings):
    settings.IMPORT_XLSX_MAX_UNPACKED_BYTES = 4096
    path = xlsx_file(tmp_path / "people.xlsx", [{"external_id": f"A{n}"} for n in range(200)])

    job = import_file(path)

    assert_failed_and_nothing_written(job, "The workbook unpacks to more than 4.1 kB (the limit)")


def test_shared_strings_beyond_their_limit_are_refused(tmp_path, settings):
    settings.IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES = 100
    path = xlsx_file(tmp_path / "people.xlsx", [{"external_id": "A1"}])
    # Excel keeps a sheet's text in one shared table, which a reader loads whole.
    strings = "".join(f"<si><t>Person {n}</t></si>" for n in range(50))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="50" uniqueCount="50">{strings}</sst>',
        )

    job = import_file(path)

    assert_failed_and_nothing_written(job, "The workbook's shared strings unpack to")


def test_a_workbook_within_the_limits_imports(tmp_path):
    path = xlsx_file(tmp_path / "people.xlsx", [{"external_id": "A1", "last_name": "Lovelace"}])

    job = import_file(path)

    assert job.status == "succeeded"
    assert written()[0] == 1
