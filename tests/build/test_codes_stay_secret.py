"""Discount codes are secrets: no file of a real build (pages, scripts, JSON, calendars, /admin/) names one."""

from __future__ import annotations

from tests.build.conftest import ROOT
from tests.secret_codes import codes_of, codes_shown


def test_no_built_file_names_a_code_of_the_fee_table(site):
    codes = codes_of(ROOT / "content" / "fees.yaml")
    assert codes, "the shipped fee table has codes to look for"
    files = [path for path in site.out.rglob("*") if path.is_file()]
    assert any(path.parts[-2:] == ("admin", "config.yml") for path in files)  # /admin/ is part of the build
    leaks = {str(path.relative_to(site.out)): codes_shown(path.read_bytes(), codes) for path in files}
    assert {path: found for path, found in leaks.items() if found} == {}


def test_the_scan_finds_a_code_in_any_letter_case():
    assert codes_shown(b"<p>Use Partner15 for 15% off</p>", ("PARTNER15", "SPEAKER27")) == ["PARTNER15"]
