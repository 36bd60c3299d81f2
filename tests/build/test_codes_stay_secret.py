"""Discount codes are secrets: no file of a real build (pages, scripts, JSON, calendars, /admin/) names one."""

from __future__ import annotations

from pathlib import Path

from tests.build.conftest import ROOT, Build
from tests.fixture_site import FIXTURE_FEES
from tests.secret_codes import codes_of, codes_shown


def _leaks(build: Build, fees: Path) -> dict[str, list[str]]:
    codes = codes_of(fees)
    assert codes, "the fee table has codes to look for"
    files = [path for path in build.out.rglob("*") if path.is_file()]
    assert any(path.parts[-2:] == ("admin", "config.yml") for path in files)  # /admin/ is part of the build
    found = {str(path.relative_to(build.out)): codes_shown(path.read_bytes(), codes) for path in files}
    return {path: codes for path, codes in found.items() if codes}


def test_no_built_file_names_a_code_of_the_fee_table(site):
    assert _leaks(site, FIXTURE_FEES) == {}


def test_no_file_of_the_shipped_sites_build_names_one_of_its_codes(shipped_site):
    assert _leaks(shipped_site, ROOT / "content" / "fees.yaml") == {}


def test_the_scan_finds_a_code_in_any_letter_case():
    assert codes_shown(b"<p>Use Partner15 for 15% off</p>", ("PARTNER15", "SPEAKER27")) == ["PARTNER15"]
