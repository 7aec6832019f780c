"""The documentation says what the code does: every setting with its range, every test folder, and
no document this repository does not have."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms_http import settings as settings_module
from lms_http.settings import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def config_rows() -> dict[str, str]:
    """README's configuration table: each variable named in a row's first cell -> the row."""
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split(" | ")[0]):
                rows[name] = line
    return rows


def settings_read() -> set[str]:
    source = Path(settings_module.__file__).read_text()
    return {f"LMS_{name}" for name in re.findall(r"""(?:get|parse)\("([A-Z0-9_]+)\"""", source)}


def test_every_setting_is_in_the_configuration_table() -> None:
    names = settings_read()
    assert {"LMS_PORT", "LMS_DATABASE_URL", "LMS_ACCESS_TOKEN_MINUTES"} <= names
    missing = (names | {"PROMETHEUS_MULTIPROC_DIR"}) - set(config_rows())
    assert not missing, missing


INTEGERS = sorted(
    f"LMS_{name.upper()}"
    for name, kind in Settings.__annotations__.items()
    if kind == "int" and f"LMS_{name.upper()}" in settings_read()
)


@pytest.mark.parametrize("variable", INTEGERS)
def test_every_numeric_setting_shows_its_range(variable: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({"LMS_VAR_DIR": str(tmp_path), variable: "x"}, env_file=None)
    low, high = re.search(r"from (\d+) to (\d+)", str(refused.value)).groups()  # type: ignore[union-attr]
    row = config_rows()[variable].replace(",", "")
    assert f"{low} to {high}" in row or (  # a row of two variables may say the bounds with their unit
        re.search(rf"\b{low} to {high}\b", row) is not None
    ), (variable, low, high, row)


def test_the_layout_names_every_test_suite() -> None:
    layout = README.split("## Layout", 1)[1]
    for suite in sorted(p.name for p in (ROOT / "tests").iterdir() if (p / "__init__.py").exists()):
        assert f"tests/{suite}" in layout, suite


DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
# Documents that are not in this repository: the specification this service was written from.
ELSEWHERE = re.compile(
    r"\b(design card|API reference|the reference\b|the reference's|the contract\b(?! suite))", re.I
)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_docs_speak_of_nothing_the_reader_cannot_open(doc: Path) -> None:
    found = [line for line in doc.read_text().splitlines() if ELSEWHERE.search(line)]
    assert not found, found


def test_benchmarks_name_the_paths_the_service_has() -> None:
    text = (ROOT / "docs" / "benchmarks.md").read_text()
    assert not re.search(r"GET /health\b", text)
    assert "GET /api/v1/health" in text
