"""`python -m pricing quote` as a finance team or a script would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.fixture_site import FIXTURE_FEES, OPEN_EVENT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The command with the test site's fee table as $FEES_PATH (as a finance team's shell might set it)."""
    env = {**os.environ, "FEES_PATH": str(FIXTURE_FEES)}
    return subprocess.run([sys.executable, "-m", "pricing", *args], capture_output=True, text=True, timeout=60, env=env)


def test_json_quote_has_the_contract_fields():
    done = run("quote", OPEN_EVENT, "public-sector", "2", "--payment", "invoice", "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["currency"] == "GBP"
    assert (body["net_pence"], body["vat_pence"], body["total_pence"]) == (54575, 10915, 65490)
    assert [line["gross_pence"] for line in body["lines"]] == [35400, 30090]


def test_text_quote_shows_pounds_and_pence():
    done = run("quote", OPEN_EVENT, "commercial", "1", "--payment", "invoice")
    assert done.returncode == 0
    assert "£495.00" in done.stdout and "£594.00" in done.stdout


def test_card_is_the_default_payment():
    body = json.loads(run("quote", OPEN_EVENT, "voluntary", "1", "--json").stdout)
    assert body["payment"] == "card" and body["total_pence"] == 27000


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("quote", "nope", "public-sector", "1"), 'no bookable event "nope"'),
        (("quote", OPEN_EVENT, "students", "1"), '"students" is not a fee category'),
        (("quote", OPEN_EVENT, "public-sector", "two"), "whole number"),
        (("quote", OPEN_EVENT, "public-sector", "0"), "from 1 to 20"),
        (("quote", OPEN_EVENT, "public-sector", "1", "--payment", "cash"), "invalid choice"),
        (("quote", OPEN_EVENT), "required"),
    ],
)
def test_a_bad_argument_exits_non_zero_with_one_line(args, reason):
    done = run(*args)
    assert done.returncode != 0
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert reason in done.stderr


@pytest.fixture
def early_table(tmp_path):
    """A fee table whose event "police" has an early rate to 30 June 2027 and two codes."""
    from tests.pricing.tables import CODES_TABLE

    path = tmp_path / "fees.yaml"
    path.write_text(CODES_TABLE, encoding="utf-8")
    return str(path)


def test_at_and_code_price_the_early_rate_and_the_code_and_list_both(early_table):
    done = run(
        "quote", "police", "public-sector", "2", "--code", "partner15", "--at", "2027-06-30 23:59", "--json",
        "--fees", early_table,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert [d["kind"] for d in body["discounts"]] == ["additional_delegate", "online_payment", "early_booking", "code"]
    assert body["code"] == "PARTNER15" and body["booked_at"] == "2027-06-30T23:59+01:00"
    # 295 * 0.9 * 0.9 * 0.85 = 203.1075 -> 203.11; 295 * 0.85 * 0.9 * 0.9 * 0.85 = 172.641375 -> 172.64
    assert [line["net_pence"] for line in body["lines"]] == [20311, 17264]


def test_text_output_names_each_discount_and_the_price_without_the_code(early_table):
    done = run(
        "quote",
        "police",
        "public-sector",
        "1",
        "--code",
        "PARTNER15",
        "--at",
        "2027-06-01 09:00",
        "--fees",
        early_table,
    )
    assert done.returncode == 0, done.stderr
    assert "10% early-booking rate (booked by 30 June 2027 at 23:59)" in done.stdout
    assert "15% off with code PARTNER15" in done.stdout and "Without the code: £286.74" in done.stdout


def test_after_the_early_date_the_standard_rate_applies(early_table):
    done = run("quote", "police", "public-sector", "1", "--at", "2027-07-01 00:00", "--json", "--fees", early_table)
    body = json.loads(done.stdout)
    assert body["total_pence"] == 31860 and body["discounts"][-1]["kind"] == "online_payment"


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (("--code", "NOPE"), 'do not recognise the discount code "NOPE"'),
        (("--code", "SPEAKER27"), "for a different event"),
        (("--at", "tomorrow"), 'not a UK time like "2027-06-30 23:59"'),
    ],
)
def test_a_code_or_time_that_cannot_be_used_exits_with_one_line(early_table, extra, reason):
    done = run("quote", "retention", "public-sector", "1", *extra, "--fees", early_table)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and reason in done.stderr
