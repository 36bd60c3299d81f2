"""The delegate list: `python -m bookings export EVENT` reads paid and invoiced bookings back from Stripe, one row per delegate."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys

import pytest

from bookings.cli import main
from tests.backoffice.conftest import EVENT, OTHER_EVENT, ROOT, booking, http


def _export(live, *args: str, event: str = EVENT) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    environ = {
        "STRIPE_SECRET_KEY": "sk_test_backoffice_export",
        "STRIPE_API_BASE": live.standin.api_base,
        "FEES_PATH": str(live.fees_path),
    }
    status = main(["export", event, *args], environ=environ, stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def mixed(live):
    """Card and invoice bookings made through the HTTP API, plus some that must not be listed."""
    booked = []
    card_a = booking(2, "public-sector", tag="-a")
    booked.append((live.book_card(card_a), card_a, "card", "paid"))
    card_b = booking(1, "commercial", tag="-b")
    booked.append((live.book_card(card_b), card_b, "card", "paid"))
    paid_invoice = booking(3, "voluntary", payment="invoice", tag="-c", purchase_order="PO-123")
    body, invoice = live.book_invoice(paid_invoice)
    assert (
        http(
            "POST", invoice["hosted_invoice_url"] + "/pay", b"", {"content-type": "application/x-www-form-urlencoded"}
        ).status
        == 303
    )
    booked.append((body, paid_invoice, "invoice", "paid"))
    open_invoice = booking(1, "public-sector", payment="invoice", tag="-d")
    booked.append((live.book_invoice(open_invoice)[0], open_invoice, "invoice", "invoiced, awaiting payment"))
    live.book_card(booking(1, tag="-unpaid"), pay=False)  # never paid: not coming
    live.book_card(booking(1, event=OTHER_EVENT, tag="-other"))  # another event
    live.book_invoice(booking(1, event=OTHER_EVENT, payment="invoice", tag="-other-inv"))
    return booked


def _expected_rows(live, booked) -> list[dict[str, str]]:
    rows = []
    for body, data, method, status in booked:
        quoted = live.quote(data)
        for number, (delegate, line) in enumerate(zip(data["delegates"], quoted.lines, strict=False), start=1):
            rows.append(
                {
                    "booking_ref": body["booking_ref"],
                    "delegate_number": str(number),
                    "delegate_name": delegate["name"],
                    "delegate_email": delegate["email"],
                    "job_title": delegate["job_title"],
                    "organisation": delegate["organisation"] or data["contact"]["organisation"],
                    "category": data["category"],
                    "payment_method": method,
                    "payment_status": status,
                    "purchase_order": data.get("purchase_order", ""),
                    "booker_email": data["contact"]["email"],
                    "net_pence": str(line.net_pence),
                    "vat_pence": str(line.vat_pence),
                    "gross_pence": str(line.gross_pence),
                    "gross_gbp": f"{line.gross_pence // 100}.{line.gross_pence % 100:02d}",
                }
            )
    return rows


def _key(row):
    return (row["booking_ref"], int(row["delegate_number"]))


def test_the_csv_lists_every_paid_or_invoiced_delegate_with_the_amounts_booked(live, mixed):
    status, out, err = _export(live)
    assert status == 0, err
    found = list(csv.DictReader(io.StringIO(out)))
    expected = _expected_rows(live, mixed)
    assert len(found) == len(expected) == 7
    got = sorted(({k: row[k] for k in expected[0]} for row in found), key=_key)
    assert got == sorted(expected, key=_key)
    invoice_rows = [r for r in found if r["payment_method"] == "invoice"]
    assert all(re.fullmatch(r"[A-Z0-9]+-\d{4}", r["invoice_number"]) for r in invoice_rows)
    assert all(r["category_label"] for r in found)
    assert "7 delegates" in err and "4 bookings (2 by card, 2 by invoice)" in err
    assert sum(int(r["gross_pence"]) for r in found) == sum(live.quote(d).total_pence for _, d, _, _ in mixed)


def test_the_xlsx_holds_the_same_rows_with_pounds_as_numbers(live, mixed, tmp_path):
    from decimal import Decimal

    from openpyxl import load_workbook

    target = tmp_path / "delegates.xlsx"
    status, out, err = _export(live, "--format", "xlsx", "--output", str(target))
    assert status == 0 and out == "" and str(target) in err
    sheet = load_workbook(target).active
    header, *values = [list(r) for r in sheet.iter_rows(values_only=True)]
    found = [dict(zip(header, v, strict=False)) for v in values]
    expected = _expected_rows(live, mixed)
    assert sorted(
        (r["booking_ref"], r["delegate_number"], r["delegate_email"], r["gross_pence"]) for r in found
    ) == sorted(
        (e["booking_ref"], int(e["delegate_number"]), e["delegate_email"], int(e["gross_pence"])) for e in expected
    )
    assert all(Decimal(str(r["gross_gbp"])) * 100 == r["gross_pence"] for r in found)


def test_the_real_command_line_writes_csv_to_stdout(live, mixed):
    env = {
        **os.environ,
        "STRIPE_SECRET_KEY": "sk_test_backoffice_cli",
        "STRIPE_API_BASE": live.standin.api_base,
        "FEES_PATH": str(live.fees_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bookings", "export", EVENT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("booking_ref,booked_on,delegate_number,delegate_name")
    assert len(result.stdout.splitlines()) == 8
    assert "read 2 card payments" in result.stderr and "read 2 invoices" in result.stderr


def test_names_that_look_like_formulas_stay_text(live):
    data = booking(1, tag="-f")
    data["delegates"][0]["name"] = '=HYPERLINK("http://x")'
    live.book_card(data)
    _status, out, _ = _export(live)
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["delegate_name"] == '\'=HYPERLINK("http://x")'


def test_an_event_with_no_bookings_yet_gives_just_the_header(live):
    status, out, err = _export(live, event=OTHER_EVENT)
    assert status == 0 and out.splitlines() == [out.splitlines()[0]] and "0 delegates" in err


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "STRIPE_SECRET_KEY is not set"),
        ({"STRIPE_SECRET_KEY": "pk_test_wrong"}, "does not look like a Stripe key"),
        (
            {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_API_BASE": "http://127.0.0.1:9"},
            "cannot reach Stripe at http://127.0.0.1:9",
        ),
        ({"STRIPE_SECRET_KEY": "sk_test_x", "EVENT": "x' OR status:'paid"}, "is not an event slug"),
    ],
)
def test_clear_one_line_errors(environ, message):
    err, environ = io.StringIO(), dict(environ)
    status = main(["export", environ.pop("EVENT", EVENT)], environ=environ, stdout=io.StringIO(), stderr=err)
    assert status != 0
    assert message in err.getvalue() and len(err.getvalue().strip().splitlines()) == 1


def test_an_unknown_event_is_named_with_the_known_ones(live):
    status, out, err = _export(live, event="no-such-event")
    assert status == 2 and out == ""
    assert "unknown event 'no-such-event'" in err and EVENT in err


def test_a_refused_key_is_one_line(live):
    err = io.StringIO()
    status = main(
        ["export", EVENT],
        environ={"STRIPE_SECRET_KEY": "rk_live_nope", "STRIPE_API_BASE": live.standin.api_base},
        stdout=io.StringIO(),
        stderr=err,
    )
    assert status == 2 and "Stripe refused STRIPE_SECRET_KEY" in err.getvalue()
