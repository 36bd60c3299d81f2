"""The function's bundle ships the fee table as JSON: it reads exactly as the YAML it comes from, without yaml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pricing import FeeTableError, fee_table_json, load_fee_table, parse_fee_table
from tests.fixture_site import FIXTURE_FEES


def test_the_json_reads_the_same_fee_table_as_the_yaml(tmp_path: Path) -> None:
    target = tmp_path / "fees.json"
    target.write_text(fee_table_json(FIXTURE_FEES), encoding="utf-8")
    assert load_fee_table(target) == load_fee_table(FIXTURE_FEES)


def test_unquoted_yaml_dates_keep_their_meaning(tmp_path: Path) -> None:
    text = FIXTURE_FEES.read_text(encoding="utf-8")
    quoted = next(line for line in text.splitlines() if "booking_closes:" in line)
    unquoted = quoted.replace('"', "")  # YAML now reads a datetime, not text
    source = tmp_path / "fees.yaml"
    source.write_text(text.replace(quoted, unquoted, 1), encoding="utf-8")
    assert parse_fee_table(fee_table_json(source), "fees.json") == load_fee_table(source)


def test_a_fee_table_with_mistakes_is_not_written_as_json(tmp_path: Path) -> None:
    source = tmp_path / "fees.yaml"
    source.write_text(FIXTURE_FEES.read_text(encoding="utf-8").replace("vat_percent:", "vat_percnt:", 1))
    with pytest.raises(FeeTableError, match="vat_percnt"):
        fee_table_json(source)


def test_reading_json_never_imports_yaml(tmp_path: Path) -> None:
    target = tmp_path / "fees.json"
    target.write_text(fee_table_json(FIXTURE_FEES), encoding="utf-8")
    code = "import sys; from pricing import load_fee_table; load_fee_table(sys.argv[1]); print('yaml' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_broken_json_is_a_fee_table_error() -> None:
    with pytest.raises(FeeTableError, match="not valid JSON"):
        parse_fee_table("{", "fees.json")
