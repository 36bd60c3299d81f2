"""Nothing personal in any log line: a booking by card and one by invoice (the function over HTTP, the Stripe
stand-in's webhooks), a change on the manage page, an access need given from the delegate's own link, and the back
office (delegate list, outbox, retention, a subject-access export and an erasure) run with a recognisable name,
e-mail address and access-need text; none of them is in any line pytest captured, in the JSON lines Powertools'
Logger writes in Lambda, or in the dev server's access log."""

from __future__ import annotations

import io
import logging
import shutil
from urllib.parse import urlencode

from functions import logs
from tests.backoffice.conftest import booking
from tests.backoffice.dayof import Office
from tests.backoffice.managed import access_link, manage_link
from tests.fixture_site import FIXTURE_ORGANISER
from tests.functions.conftest import FORM_HEADERS, http

NAME = "Wilhelmina Tennyson-Quaile"
EMAIL = "wilhelmina.quaile@nhs.net"
NEEDS = "Hearing loop and a seat near the front, please"
NEW_NEEDS = "Palantype captioning throughout"
# The test's own SMTP server (aiosmtpd: mail.log) logs the envelopes it receives; it stands for the mail
# provider, not for anything this project ships.
NOT_OURS = ("mail.log",)


def test_no_name_address_or_access_need_reaches_a_log_line(live, caplog, booking_store, tmp_path):
    # INFO, the level the function logs at in Lambda (functions/logs.py); boto3's and the Stripe SDK's DEBUG
    # lines quote request bodies and are never switched on there.
    caplog.set_level(logging.INFO)
    lambda_lines = io.StringIO()
    powertools = logs.setup(lambda_lines)
    logging.getLogger(logs.SERVICE).addHandler(caplog.handler)  # Powertools stops propagation: see both
    try:
        card = booking(2, tag="-logs")
        card["delegates"][1] |= {"name": NAME, "email": EMAIL, "access_needs": NEEDS}
        paid = live.book_card(card)
        ref = paid["booking_ref"]
        invoice = booking(1, tag="-inv", payment="invoice")
        invoice["contact"] |= {"name": NAME, "email": EMAIL}
        live.book_invoice(invoice)
        live.wait_for_mail(4)

        # The booker changes delegate 1 from the manage page; the delegate changes their own access needs.
        link = manage_link(live, card["contact"]["email"], ref)
        delegates = [{k: d[k] for k in ("name", "email", "job_title", "organisation")} for d in card["delegates"]]
        delegates[0] = {
            "name": NAME + " Jr",
            "email": "w.quaile.jr@nhs.net",
            "job_title": "Caldicott Guardian",
            "organisation": "",
        }
        pairs = [(f"delegates[{i}][{k}]", v) for i, d in enumerate(delegates) for k, v in d.items()] + [
            ("version", str(booking_store.get(ref).version))
        ]
        changed = http("POST", link, urlencode(pairs), FORM_HEADERS | {"accept": "text/html"})
        assert changed.status == 200, changed.text
        own = access_link(live, EMAIL, ref)
        version = str(booking_store.get(ref).version)
        form = urlencode({"access_needs": NEW_NEEDS, "version": version})
        needs = http("POST", own, form, FORM_HEADERS | {"accept": "text/html"})
        assert needs.status in (200, 303), needs.text

        # The back office on the same table.
        office = Office(booking_store, live.store_environ, live.smtp, live.fees_path, tmp_path / "site")
        office.environ.update(
            BOOKINGS_TABLE=live.store_environ["BOOKINGS_TABLE"],
            STRIPE_SECRET_KEY="sk_test_backoffice_suite",
            STRIPE_API_BASE=live.standin.api_base,
            ORGANISER_PATH=str(shutil.copy(FIXTURE_ORGANISER, tmp_path / "organiser.yaml")),
        )
        for argv in (
            ("export", card["event"]),
            ("outbox",),
            ("retention", "--dry-run"),
            ("person", EMAIL, "--export", str(tmp_path / "export")),
            ("person", EMAIL, "--erase"),
            ("retention", "--at", "2090-01-01 02:00"),
        ):
            run = office.run(*argv)
            assert run.status in (0, 1), (argv, run.err)
    finally:
        logging.getLogger(logs.SERVICE).removeHandler(caplog.handler)
        logs.reset()
    del powertools

    captured = [f"{r.name} {r.getMessage()} {r.__dict__}" for r in caplog.records if not r.name.startswith(NOT_OURS)]
    assert any(r.name == "devserver" for r in caplog.records)  # the dev server's access log was captured
    assert any(ref in line for line in captured)  # the lines name the booking, by its reference
    assert lambda_lines.getvalue()  # and Powertools wrote its JSON lines
    lines = [*captured, *lambda_lines.getvalue().splitlines()]
    for personal in (NAME, EMAIL, NEEDS, NEW_NEEDS, "w.quaile.jr@nhs.net", "wilhelmina", "Tennyson"):
        assert [line for line in lines if personal.casefold() in line.casefold()] == [], personal
