"""`python -m pricing quote` as a finance team or a script would run it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pricing", *args], capture_output=True, text=True, timeout=60)


def test_json_quote_has_the_contract_fields():
    done = run("quote", "caldicott-police-2027", "public-sector", "2", "--payment", "invoice", "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["currency"] == "GBP"
    assert (body["net_pence"], body["vat_pence"], body["total_pence"]) == (54575, 10915, 65490)
    assert [line["gross_pence"] for line in body["lines"]] == [35400, 30090]


def test_text_quote_shows_pounds_and_pence():
    done = run("quote", "caldicott-police-2027", "commercial", "1", "--payment", "invoice")
    assert done.returncode == 0
    assert "£495.00" in done.stdout and "£594.00" in done.stdout


def test_card_is_the_default_payment():
    body = json.loads(run("quote", "caldicott-police-2027", "voluntary", "1", "--json").stdout)
    assert body["payment"] == "card" and body["total_pence"] == 27000


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("quote", "nope", "public-sector", "1"), 'no bookable event "nope"'),
        (("quote", "caldicott-police-2027", "students", "1"), '"students" is not a fee category'),
        (("quote", "caldicott-police-2027", "public-sector", "two"), "whole number"),
        (("quote", "caldicott-police-2027", "public-sector", "0"), "from 1 to 20"),
        (("quote", "caldicott-police-2027", "public-sector", "1", "--payment", "cash"), "invalid choice"),
        (("quote", "caldicott-police-2027"), "required"),
    ],
)
def test_a_bad_argument_exits_non_zero_with_one_line(args, reason):
    done = run(*args)
    assert done.returncode != 0
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert reason in done.stderr
