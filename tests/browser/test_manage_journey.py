"""A booker opens the private link from the confirmation e-mail in the outbox and replaces delegate 2, with and without
JavaScript; the new delegate's confirmation lands in the outbox, with the link to their own access needs."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from adapters.mail.outbox import deliver
from adapters.mail.send import MailSession
from booking import links
from booking.life import CheckoutStarted, Paid
from booking.record import Attendee, BookingRecord, Contact
from booking.reference import booking_ref
from booking.request import BookingRequest, amounts
from flows.advance import advance
from functions import mailroom
from functions.settings import Settings
from pricing import load_fee_table, quote
from tests.browser.conftest import EVENT, LINK_SECRET, DevServer
from tests.browser.test_accessibility import axe_violations
from tests.fixture_site import FIXTURE_FEES
from tests.waiting import wait_until

pytestmark = pytest.mark.browser

ACCESS_NEEDS = "Anything we should arrange so you can take part? For example captions or a BSL interpreter (optional)"
MANAGE_LINK = re.compile(r"https?://\S+/api/bookings/manage\?t=[A-Za-z0-9_.-]+")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _eml(outbox: Path, ref: str, to: str, timeout: float = 15.0) -> email.message.EmailMessage:
    """The message the function wrote for `to` about booking `ref` (the latest, if several)."""
    stem = _SAFE.sub("_", f"{ref}-{to}")[:120]
    found = wait_until(
        lambda: sorted(outbox.glob(f"{stem}*.eml"), key=lambda p: p.stat().st_mtime_ns),
        timeout=timeout,
        what=lambda: f"an e-mail to {to} in {outbox}: {sorted(p.name for p in outbox.glob('*'))}",
    )
    return email.message_from_bytes(found[-1].read_bytes(), policy=email.policy.default)  # type: ignore[return-value]


def _text(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def _book_two_and_pay(devserver: DevServer, person: dict[str, str]) -> tuple[str, str]:
    """A paid card booking for two in the dev server's store, made through the booking's life as the payment
    flow makes it, its confirmations delivered to the dev server's outbox; its reference and the manage link
    from the booker's e-mail."""
    data = {
        "event": EVENT,
        "category": "public-sector",
        "payment": "card",
        "contact": person,
        "delegates": [
            {"name": person["name"], "email": person["email"], "organisation": person["organisation"]},
            {"name": f"Jo Bloggs {person['email'][:14]}", "email": f"jo.{person['email']}"},
        ],
        "accept_terms": True,
    }
    request = BookingRequest.model_validate(data)
    ref = booking_ref(request)
    settings = Settings(
        stripe_secret_key="sk_test_browser_manage",
        stripe_webhook_secret="whsec_browser_manage",
        site_url=devserver.url,
        contact_email="bookings@example.org",
        link_secret=LINK_SECRET,
        mail_outbox=devserver.outbox,
        store_environ=devserver.store_environ or {},
        fees_path=FIXTURE_FEES,
    )
    record = BookingRecord(
        ref=ref,
        event=EVENT,
        category=request.category,
        payment="card",
        contact=Contact(**request.contact.model_dump()),
        delegates=tuple(Attendee(**d.model_dump()) for d in request.delegates),
        amounts=amounts(quote(load_fee_table(settings.fees_path), EVENT, request.category, 2, "card")),
    )
    store = settings.store()
    for event in (CheckoutStarted(record), Paid("2083-01-05T09:00:00+00:00")):
        advance(
            store, ref, event, about=lambda b: mailroom.about(b, settings), letterhead=mailroom.letterhead(settings)
        )
    with MailSession(None, devserver.outbox) as session:
        assert deliver(store, session, ref).complete
    message = _text(_eml(devserver.outbox, ref, person["email"]))
    # The booker is delegate 1 here: their one message has the manage link, then their own access-needs link.
    (link,) = set(MANAGE_LINK.findall(message.split("\nAccess needs\n", 1)[0]))
    assert "\nAccess needs\n" in message
    return ref, link


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_the_booker_replaces_delegate_two_from_the_link_in_the_email(request, javascript, devserver, person):
    page = request.getfixturevalue("page" if javascript else "page_without_js")
    ref, link = _book_two_and_pay(devserver, person)
    old_name = f"Jo Bloggs {person['email'][:14]}"
    new = {"name": f"Sam Okafor {person['email'][:14]}", "email": f"sam.{person['email']}"}

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your booking {ref}")
    assert page.get_by_role("cell", name=re.compile(r"^Information Sharing & The Police")).count() == 1
    second = page.get_by_role("group", name="Delegate 2")
    expect(second.get_by_label("Full name")).to_have_value(old_name)
    second.get_by_label("Full name").fill(new["name"])
    second.get_by_label("E-mail address").fill(new["email"])
    assert second.get_by_label(ACCESS_NEEDS).count() == 0  # the link holder never sets access needs
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("status")).to_contain_text("Your changes are saved")
    delegates = page.get_by_role("list", name="Delegates")
    expect(delegates).to_contain_text(new["name"])
    expect(delegates).not_to_contain_text(old_name)

    confirmation = _text(_eml(devserver.outbox, ref, new["email"]))
    assert "has booked you a place, and it is confirmed" in confirmation and ref in confirmation
    told = _text(_eml(devserver.outbox, ref, f"jo.{person['email']}"))
    assert "has gone to someone else" in told
    booker = _text(_eml(devserver.outbox, ref, person["email"]))
    assert "has been replaced by" in booker and new["name"] in booker

    # The newcomer gives their own access needs from the link in their confirmation.
    (own,) = set(MANAGE_LINK.findall(confirmation.split("Access needs", 1)[1]))
    page.goto(own)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your place at")
    page.get_by_label(ACCESS_NEEDS).fill("Live captions")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your access needs are saved")
    page.goto(link)
    expect(page.get_by_role("list", name="Delegates")).to_contain_text("Access needs: given to the organisers")
    assert "Live captions" not in page.content()


def test_the_page_and_its_error_state_have_no_violations(page, devserver, person, axe_source):
    _ref, link = _book_two_and_pay(devserver, person)
    page.goto(link)
    assert axe_violations(page, axe_source) == []
    page.get_by_role("group", name="Delegate 2").get_by_label("E-mail address").fill("not an address")
    page.get_by_role("button", name="Save changes").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Delegate 2: e-mail address")
    assert axe_violations(page, axe_source) == []
    summary.get_by_role("link", name=re.compile("^Delegate 2: e-mail address")).click()
    expect(page.get_by_role("group", name="Delegate 2").get_by_label("E-mail address")).to_be_focused()

    # The answer to a stale save (409), and a delegate's own access-needs page, read as well.
    page.goto(link)
    page.evaluate("document.querySelector('input[name=version]').value = '1'")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("Someone changed this booking a moment ago")
    assert axe_violations(page, axe_source) == []
    message = _text(_eml(devserver.outbox, _ref, person["email"]))
    (own,) = set(MANAGE_LINK.findall(message.split("\nAccess needs\n", 1)[1]))
    page.goto(own)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your place at")
    assert axe_violations(page, axe_source) == []


def test_a_tampered_or_expired_link_gets_a_clear_refusal(page, devserver, person):
    ref, link = _book_two_and_pay(devserver, person)
    token = link.split("t=", 1)[1]
    _payload, mac = token.split(".")
    # The first character: the last one of a 32-byte MAC carries two unused bits, so changing it may not change it.
    page.goto(link.replace(mac, ("A" if mac[0] != "A" else "B") + mac[1:]))
    expect(page.get_by_role("heading", level=1)).to_have_text("This booking link does not work")
    assert ref not in page.content() and person["name"] not in page.content()

    data = links.open_link(token, purpose="manage", secret=LINK_SECRET, now=datetime.now(UTC).timestamp())
    past = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    expired = links.sign(data, purpose="manage", secret=LINK_SECRET, expires_at=past)
    page.goto(link.replace(token, expired))
    expect(page.get_by_role("heading", level=1)).to_have_text("This booking link has expired")
    assert ref not in page.content() and person["name"] not in page.content()
