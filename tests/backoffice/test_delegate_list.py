"""The delegate list: `python -m bookings export EVENT` reads the event's bookings from the bookings table, one row
per delegate of every booking whose delegates are coming; never Stripe."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from pricing import format_pence
from tests.backoffice.conftest import EVENT, OTHER_EVENT, ROOT
from tests.backoffice.dayof import Office


@pytest.fixture
def office(booking_store, store_environ, smtp, far_fees, tmp_path):
    return Office(booking_store, store_environ, smtp, far_fees, tmp_path / "site")


def _export(office: Office, *args: str, event: str = EVENT) -> tuple[int, str, str]:
    result = office.run("export", event, *args)
    return result.status, result.out, result.err


def _listed(office: Office, *args: str) -> list[dict[str, str]]:
    status, out, err = _export(office, *args)
    assert status == 0, err
    return list(csv.DictReader(io.StringIO(out)))


@pytest.fixture
def mixed(office):
    """Card, invoice and free bookings as the flows store them, plus some that must not be listed."""
    booked = []
    for record, status, made in (
        (office.make(2, "-a", category="public-sector"), "paid", office.card),
        (office.make(1, "-b", category="commercial"), "paid", office.card),
        (
            office.make(3, "-c", category="voluntary", payment="invoice", purchase_order="PO-123"),
            "paid",
            lambda r: office.invoice(r, pay=True),
        ),
        # Due on 31 August 2083; the list is made on 1 September (Office's clock): a day late.
        (office.make(1, "-d", payment="invoice"), "invoiced, overdue 1 day", office.invoice),
    ):
        made(record)
        booked.append((record, status))
    office.card(office.make(1, "-unpaid"), pay=False)  # at the checkout, never paid: not coming
    office.expired(office.make(1, "-lapsed"))  # the checkout lapsed
    office.requested(office.make(1, "-asked", payment="invoice"))  # a request never confirmed from its e-mail
    office.card(office.make(1, "-other", event=OTHER_EVENT))  # another event
    office.invoice(office.make(1, "-other-inv", event=OTHER_EVENT, payment="invoice"))
    return booked


def _expected_rows(office: Office, booked) -> list[dict[str, str]]:
    rows = []
    for record, status in booked:
        quoted = office.quote(record)
        for number, (delegate, line) in enumerate(zip(record.delegates, quoted.lines, strict=True), start=1):
            rows.append(
                {
                    "booking_ref": record.ref,
                    "booked_on": datetime.now(UTC).date().isoformat(),
                    "delegate_number": str(number),
                    "delegate_name": delegate.name,
                    "delegate_email": delegate.email,
                    "job_title": delegate.job_title,
                    "organisation": delegate.organisation or record.contact.organisation,
                    "category": record.category,
                    "payment_method": record.payment,
                    "payment_status": status,
                    "invoice_number": f"{record.ref[3:]}-0001" if record.payment == "invoice" else "",
                    "invoice_due": "2083-08-31" if record.payment == "invoice" else "",
                    "purchase_order": record.purchase_order,
                    "booker_email": record.contact.email,
                    "net_pence": str(line.net_pence),
                    "vat_pence": str(line.vat_pence),
                    "gross_pence": str(line.gross_pence),
                    "gross_gbp": f"{line.gross_pence // 100}.{line.gross_pence % 100:02d}",
                }
            )
    return rows


def _key(row):
    return (row["booking_ref"], int(row["delegate_number"]))


def test_the_csv_lists_every_delegate_who_is_coming_with_the_amounts_booked(office, mixed):
    status, out, err = _export(office)

    assert status == 0, err
    found = list(csv.DictReader(io.StringIO(out)))
    expected = _expected_rows(office, mixed)
    assert len(found) == len(expected) == 7
    got = sorted(({k: row[k] for k in expected[0]} for row in found), key=_key)
    assert got == sorted(expected, key=_key)
    assert all(r["category_label"] for r in found)
    assert "7 delegates" in err and "4 bookings (2 by card, 2 by invoice)" in err
    assert sum(int(r["gross_pence"]) for r in found) == sum(office.quote(r).total_pence for r, _ in mixed)


def test_the_xlsx_holds_the_same_rows_with_pounds_as_numbers(office, mixed, tmp_path):
    from decimal import Decimal

    target = tmp_path / "delegates.xlsx"
    status, out, err = _export(office, "--format", "xlsx", "--output", str(target))
    assert status == 0 and out == "" and str(target) in err
    sheet = load_workbook(target).active
    header, *values = [list(r) for r in sheet.iter_rows(values_only=True)]
    found = [dict(zip(header, v, strict=False)) for v in values]
    expected = _expected_rows(office, mixed)
    assert sorted(
        (r["booking_ref"], r["delegate_number"], r["delegate_email"], r["gross_pence"]) for r in found
    ) == sorted(
        (e["booking_ref"], int(e["delegate_number"]), e["delegate_email"], int(e["gross_pence"])) for e in expected
    )
    assert all(Decimal(str(r["gross_gbp"])) * 100 == r["gross_pence"] for r in found)


def test_the_real_command_line_writes_csv_to_stdout(office, mixed):
    result = subprocess.run(
        [sys.executable, "-m", "bookings", "export", EVENT],
        cwd=ROOT,
        env={**os.environ, **office.environ},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("booking_ref,booked_on,delegate_number,delegate_name")
    assert len(result.stdout.splitlines()) == 8
    assert f"read 4 bookings of {EVENT} from the bookings table" in result.stderr


def test_cancelled_bookings_are_left_out_unless_asked_and_partial_refunds_are_shown(office):
    kept = office.card(office.make(1, "-kept"))
    part = office.card(office.make(2, "-part"))
    full = office.card(office.make(2, "-full"))
    voided = office.invoice(office.make(1, "-voided", payment="invoice"))
    office.refund(part, 5000)
    office.refund(full)
    office.void(voided)

    status, out, err = _export(office)
    assert status == 0, err
    listed = {(r["booking_ref"], r["delegate_number"]): r["payment_status"] for r in csv.DictReader(io.StringIO(out))}
    assert listed == {
        (kept, "1"): "paid",
        (part, "1"): "refunded £50.00",
        (part, "2"): "refunded £50.00",
    }
    assert "left out 2 cancelled bookings (3 delegates); --include-cancelled lists them" in err

    everyone = _listed(office, "--include-cancelled")
    assert {r["booking_ref"] for r in everyone if r["payment_status"] == "cancelled"} == {full, voided}
    assert len(everyone) == 6


def test_places_held_for_a_po_to_follow_are_listed_as_such_and_quotations_only_counted(office):
    paid = office.card(office.make(1, "-coming"))
    # Held until 23:30 UTC on 20 August 2083: 00:30 on the 21st in the UK, the day the list shows.
    held = office.po_to_follow(office.make(2, "-held", payment="invoice"), "2083-08-20T23:30:00+00:00")
    office.quotation(office.make(3, "-quoted", payment="invoice"), "Q-000007", "2083-08-25T12:00:00+00:00")
    office.quotation(office.make(1, "-quoted-too", payment="invoice"), "Q-000008", "2083-08-25T12:00:00+00:00")

    status, out, err = _export(office)
    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["booking_ref"], r["delegate_number"]): r["payment_status"] for r in rows} == {
        (paid, "1"): "paid",
        (held, "1"): "PO to follow, held until 21 Aug 2083",
        (held, "2"): "PO to follow, held until 21 Aug 2083",
    }
    assert all(
        r["invoice_number"] == r["invoice_due"] == r["purchase_order"] == "" for r in rows if r["booking_ref"] == held
    )
    assert {r["payment_method"] for r in rows if r["booking_ref"] == held} == {"invoice"}
    coming = office.quote(office.record(paid)).total_pence
    assert f"1 bookings (1 by card, 0 by invoice), 1 delegates, {format_pence(coming)} including VAT" in err
    assert "1 with the PO to follow hold 2 places" in err
    assert "2 quotations hold 4 places (not listed: a quotation is not a booking)" in err

    # Listed, but not coming until the PO is added: no joining instructions (nor certificates) for them.
    joining = office.run("joining", EVENT, "--link", "https://zoom.us/j/85218486288", "--dry-run")
    assert joining.status == 0, joining.err
    assert "delegate1-coming@nhs.net" in joining.out and "-held@" not in joining.out


def test_the_code_column_and_free_places(office):
    paid = office.card(office.make(1, "-list", code="TEST15"))
    free = office.free(office.make(1, "-free", payment="invoice", code="FREE100", free=True))

    rows = {row["booking_ref"]: row for row in _listed(office)}

    assert rows[paid]["code"] == "TEST15"
    assert rows[paid]["gross_pence"] == str(office.record(paid).gross_pence)
    listed = rows[free]
    assert (listed["code"], listed["gross_pence"], listed["payment_method"], listed["payment_status"]) == (
        "FREE100",
        "0",
        "none (discount code)",
        "paid",
    )


def test_an_address_the_mail_server_refused_is_marked_for_the_organiser(office):
    office.smtp.refused.add("delegate1-refused@nhs.net")
    office.card(office.make(2, "-refused"))

    rows = {r["delegate_email"]: (r["email_refused"], r["booker_email_refused"]) for r in _listed(office)}

    assert rows == {"delegate1-refused@nhs.net": ("yes", ""), "delegate2-refused@nhs.net": ("", "")}


def test_names_people_may_type_open_cleanly_in_the_workbook_and_the_csv(office, tmp_path):
    names = ['=HYPERLINK("http://x")', "+44 113 243 3144", "@handle", "-minus", "Zoë 山田 👩🏽‍⚕️", "أحمد"]
    names.append("Mal <a@evil.example,b@evil.example> | x | y")
    office.card(office.make(names, "-xlsx"))
    target = tmp_path / "delegates.xlsx"

    status, _, err = _export(office, "--format", "xlsx", "--output", str(target))

    assert status == 0, err
    sheet = load_workbook(target).active
    header = [c.value for c in sheet[1]]
    column = header.index("delegate_name") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    assert sorted(c.value for c in cells) == sorted(names)  # exactly as typed: no apostrophe shown
    assert all(c.data_type == "s" for c in cells)  # text, never a formula
    formula_like = next(c for c in cells if c.value.startswith("="))
    assert formula_like.quotePrefix
    _, out, _ = _export(office)
    shown = [r["delegate_name"] for r in csv.DictReader(io.StringIO(out))]
    assert '\'=HYPERLINK("http://x")' in shown and "\x00" not in out
    assert "Mal <a@evil.example,b@evil.example> | x | y" in shown


def test_a_substitute_is_listed_in_place_of_the_delegate_they_replaced_with_their_access_needs(office):
    made = office.card(office.make(2, "-sub"))
    office.substitute(made, 1, "Sam Okafor", "sam.okafor@nhs.net", access_needs="Live captions, please")

    rows = {r["delegate_number"]: r for r in _listed(office)}

    assert (rows["2"]["delegate_name"], rows["2"]["delegate_email"]) == ("Sam Okafor", "sam.okafor@nhs.net")
    assert rows["2"]["access_needs"] == "Live captions, please"
    assert "Delegate 2-sub" not in {r["delegate_name"] for r in rows.values()}


def test_an_event_with_no_bookings_yet_gives_just_the_header(office):
    status, out, err = _export(office, event=OTHER_EVENT)
    assert status == 0 and out.splitlines() == [out.splitlines()[0]] and "0 delegates" in err


@pytest.mark.parametrize(
    ("environ", "status", "message"),
    [
        ({"BOOKINGS_TABLE": ""}, 2, "BOOKINGS_TABLE is not set"),
        ({"BOOKINGS_TABLE": "no-such-table"}, 3, "cannot use the bookings table no-such-table: there is no such table"),
        ({"DYNAMODB_ENDPOINT": "http://127.0.0.1:9"}, 3, "it cannot be reached"),
        ({"EVENT": "x' OR status:'paid"}, 2, "is not an event slug"),
    ],
)
def test_clear_one_line_errors(office, environ, status, message):
    environ = dict(environ)
    result = office.run("export", environ.pop("EVENT", EVENT), **environ)
    assert result.status == status
    assert message in result.err and len(result.err.strip().splitlines()) == 1


def test_an_unknown_event_is_named_with_the_known_ones(office):
    status, out, err = _export(office, event="no-such-event")
    assert status == 2 and out == ""
    assert "unknown event 'no-such-event'" in err and EVENT in err


def test_the_back_office_never_imports_the_http_edge():
    """bookings/ uses the core and the adapters, never functions/ (DESIGN.md, "Where things live")."""
    import ast

    for path in (ROOT / "bookings").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not [n for n in names if n == "functions" or n.startswith("functions.")], path
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bookings.cli, bookings.export, bookings.joining, bookings.certificates, bookings.outbox, "
            "bookings.delivery; print(sorted(m for m in sys.modules if m.split('.')[0] == 'functions'))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert loaded.stdout.strip() == "[]", loaded.stderr
