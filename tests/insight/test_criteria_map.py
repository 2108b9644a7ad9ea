"""docs/insight-criteria.md maps every performance criterion and knowledge
item of the three standards to where a user does it and a test: each
standard's items are all there, and each test it names exists."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "insight-criteria.md"
# Performance criteria and knowledge items of each standard.
EXPECTED = {
    "CIS": {"P": 24, "K": 21},
    "MIS": {"P": 17, "K": 19},
    "UCI": {"P": 11, "K": 13, "B": 3},
}
ROW = re.compile(r"^\| ([PKB])(\d+) \|.*\| `(tests/[^`]+)::(test_\w+)` \|$")


def rows_by_standard() -> dict[str, list[tuple[str, int, str, str]]]:
    rows: dict[str, list] = {}
    standard = None
    for line in DOC.read_text().splitlines():
        heading = re.match(r"^## .*\((\w+)", line)
        if heading:
            standard = heading.group(1)
            rows[standard] = []
        match = ROW.match(line)
        if match and standard:
            kind, number, path, name = match.groups()
            rows[standard].append((kind, int(number), path, name))
    return rows


def test_every_item_of_the_three_standards_has_a_row():
    rows = rows_by_standard()

    for standard, kinds in EXPECTED.items():
        for kind, count in kinds.items():
            numbers = sorted(n for k, n, _, _ in rows[standard] if k == kind)
            assert numbers == list(range(1, count + 1)), (standard, kind)


def test_every_named_test_exists():
    missing = []
    for rows in rows_by_standard().values():
        for kind, number, path, name in rows:
            source = ROOT / path
            names = (
                {
                    node.name
                    for node in ast.walk(ast.parse(source.read_text()))
                    if isinstance(node, ast.FunctionDef)
                }
                if source.exists()
                else set()
            )
            if name not in names:
                missing.append(f"{kind}{number}: {path}::{name}")

    assert missing == []
