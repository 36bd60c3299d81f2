"""Fixtures for the back office: the booking function over loopback HTTP, the Stripe stand-in, a real SMTP server.

Everything runs on free loopback ports and stops after each test. The clock is real (webhook
signatures are checked against it), so the fee table is the test site's (tests/fixtures/site/), whose events
lie far ahead.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from functions.lambda_handler import handle_event
from functions.settings import Settings
from pricing import load_fee_table, quote
from tests.fixture_site import EARLY_RATE_EVENT, FIXTURE_EVENTS, FIXTURE_FEES, OPEN_EVENT
from tests.functions.conftest import FORM_HEADERS, JSON_HEADERS, HttpResponse, form_fields, http
from tests.smtp import Received, SmtpSink
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "whsec_test_backoffice_suite"
LINK_SECRET = "link-secret-of-the-backoffice-suite-0123456789"
EVENT = OPEN_EVENT
OTHER_EVENT = EARLY_RATE_EVENT
MAIL_FROM = "Conference Bookings <bookings@events.example.org>"
ORGANISERS = "bookings@events.example.org"  # CONTACT_EMAIL: Reply-To, and where the organisers' copy goes


def booking(
    delegates: int = 1,
    category: str = "public-sector",
    event: str = EVENT,
    payment: str = "card",
    tag: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """A booking body as the form's script sends it; `tag` makes the people (and so the reference) distinct."""
    data: dict[str, Any] = {
        "event": event,
        "category": category,
        "payment": payment,
        "contact": {
            "name": f"Priya Shah{tag}",
            "email": f"priya.shah{tag}@nhs.net",
            "organisation": "Leeds Teaching Hospitals NHS Trust",
        },
        "delegates": [
            {
                "name": f"Delegate {i}{tag}",
                "email": f"delegate{i}{tag}@nhs.net",
                "job_title": "Information Governance Lead",
                "organisation": "Leeds Teaching Hospitals NHS Trust" if i % 2 else "",
            }
            for i in range(1, delegates + 1)
        ],
        "accept_terms": True,
    }
    if payment == "invoice":
        data["billing"] = {
            "name": "Accounts Payable",
            "email": "accounts.payable@nhs.net",
            "address": "Leeds Teaching Hospitals NHS Trust\nSt James's University Hospital\nBeckett Street\nLeeds\nLS9 7TF",
        }
    data.update(extra)
    return data


@pytest.fixture(scope="session")
def far_fees(tmp_path_factory) -> Path:
    """The test site's fee table (its events close in 2083, so these tests do not expire), copied alone into a
    folder: no organiser.yaml beside it, so a test has the organiser's details only when it configures them."""
    path = tmp_path_factory.mktemp("fees") / "fees.yaml"
    shutil.copy(FIXTURE_FEES, path)
    load_fee_table(path)
    return path


class Live:
    """The function served over loopback HTTP, a stand-in that sends its webhooks to it, and the SMTP sink."""

    def __init__(self, url: str, standin: Any, smtp: SmtpSink | None, fees_path: Path, store_environ: dict[str, str]):
        self.store_environ = store_environ
        self.url = url
        self.standin = standin
        self.smtp = smtp
        self.fees_path = fees_path
        self.fees = load_fee_table(fees_path)
        self.settings = self.make_settings()

    def make_settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "store_environ": self.store_environ,
            "stripe_secret_key": "sk_test_backoffice_suite",
            "stripe_webhook_secret": WEBHOOK_SECRET,
            "site_url": self.url,
            "stripe_api_base": self.standin.api_base,
            "fees_path": self.fees_path,
            "events_dir": FIXTURE_EVENTS,
            "stripe_timeout_seconds": 2.0,
            "smtp_url": self.smtp.url if self.smtp else None,
            "mail_from": MAIL_FROM,
            "contact_email": ORGANISERS,
            "link_secret": LINK_SECRET,
        }
        values.update(overrides)
        return Settings(**values)

    def configure(self, **overrides: Any) -> None:
        self.settings = self.make_settings(**overrides)

    def post_json(self, data: Any) -> HttpResponse:
        return http("POST", self.url + "/api/bookings", json.dumps(data), JSON_HEADERS)

    def post_form(self, data: dict[str, Any]) -> HttpResponse:
        """As the no-JavaScript form posts it: billing[name], billing[email], billing[address], purchase_order."""
        rest = {k: v for k, v in data.items() if k != "billing"}
        billing = [(f"billing[{k}]", v) for k, v in (data.get("billing") or {}).items()]
        return http("POST", self.url + "/api/bookings", urlencode(form_fields(rest) + billing), FORM_HEADERS)

    def get(self, path_or_url: str) -> HttpResponse:
        url = path_or_url if path_or_url.startswith("http") else self.url + path_or_url
        return http("GET", url, headers={"accept": "text/html"})

    def quote(self, data: dict[str, Any]):
        return quote(self.fees, data["event"], data["category"], len(data["delegates"]), data["payment"])

    def book_card(self, data: dict[str, Any], pay: bool = True) -> dict[str, Any]:
        response = self.post_json(data)
        assert response.status == 201, response.text
        body = response.json()
        if pay:
            session = next(s for s in self.standin.sessions() if s["client_reference_id"] == body["booking_ref"])
            self.standin.complete(session["id"])
        return body

    def book_invoice(self, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Ask for an invoice, then confirm it from the booker's e-mail as they would: the invoice Stripe holds."""
        response = self.post_json(data)
        assert response.status == 201, response.text
        body = response.json()
        confirmed = self.confirm_invoice(body["booking_ref"])
        assert confirmed.status == 303, confirmed.text
        return body, self.invoice_of(body["booking_ref"])

    def confirmation_link(self, ref: str) -> str:
        """The link in the e-mail that asks the booker to confirm invoice request `ref`; the message is taken out
        of the sink (the booker has read it), so later counts are of what was sent after confirming."""
        assert self.smtp is not None
        smtp = self.smtp

        def confirmation() -> Received | None:
            for received in list(smtp.received):
                subject = str(received.message["Subject"])
                if received.message["X-Booking-Ref"] == ref and subject.startswith("Confirm your booking request"):
                    return received
            return None

        received = wait_until(confirmation, timeout=30, what=f"the confirmation e-mail for {ref}")
        smtp.received.remove(received)
        return re.search(r"(http\S+/api/bookings/invoice/confirm\?token=\S+)", received.text)[1]

    def confirm_invoice(self, ref: str) -> HttpResponse:
        """Follow the e-mailed link and press its one button (a form POST carrying the signed token)."""
        token = parse_qs(urlsplit(self.confirmation_link(ref)).query)["token"][0]
        return http("POST", self.url + "/api/bookings/invoice/confirm", urlencode({"token": token}), FORM_HEADERS)

    def invoice_of(self, ref: str) -> dict[str, Any]:
        (invoice,) = [i for i in self.standin.app.billing.all_invoices() if i["metadata"].get("booking_ref") == ref]
        return invoice

    def wait_for_mail(self, count: int, timeout: float = 30.0) -> list[Received]:
        """Every message received so far, once there are at least `count` (the test fails if they never come)."""
        smtp = self.smtp
        assert smtp is not None
        wait_until(
            lambda: len(smtp.received) >= count,
            timeout=timeout,
            what=lambda: f"{count} e-mails; received {len(smtp.received)}",
        )
        return list(smtp.received)


def _serve(standin_factory, smtp: SmtpSink | None, fees_path: Path, store_environ: dict[str, str]):
    from devtools.devserver.lambda_bridge import call_function
    from devtools.devserver.server import serving_in_background

    with serving_in_background() as server:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with standin_factory(webhook_url=url + "/api/stripe-webhook", webhook_secret=WEBHOOK_SECRET) as standin:
            live = Live(url, standin, smtp, fees_path, store_environ)
            server.set_app(
                lambda environ, start: call_function(
                    environ, start, lambda event, ctx: handle_event(event, live.settings)
                )
            )
            yield live


@pytest.fixture
def live_store(store_environ, bookings_table) -> dict[str, str]:
    """The function's store settings: a fresh table for each test."""
    return {**store_environ, "BOOKINGS_TABLE": bookings_table}


@pytest.fixture
def live(smtp, far_fees, live_store):
    from devtools.stripe_standin.testing import running_standin

    yield from _serve(running_standin, smtp, far_fees, live_store)
