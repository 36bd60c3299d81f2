"""A booker opens the private link from the confirmation e-mail in the outbox and replaces delegate 2, with and without
JavaScript; the new delegate's confirmation lands in the outbox and the delegate list shows the new name."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from booking import links
from tests.browser.conftest import EVENT, LINK_SECRET, ROOT, DevServer
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


def _post(url: str, body: bytes, content_type: str) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"content-type": content_type})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as answer:
            text = answer.read()
            return answer.status, dict(answer.headers), json.loads(text) if text.startswith(b"{") else {}
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), {}


def _book_two_and_pay(devserver: DevServer, person: dict[str, str]) -> tuple[str, str]:
    """A paid card booking for two made over the API; its reference and the manage link from the booker's e-mail."""
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
    status, _, body = _post(devserver.url + "/api/bookings", json.dumps(data).encode(), "application/json")
    assert status == 201, body
    paid, headers, _ = _post(body["checkout_url"] + "/pay", b"", "application/x-www-form-urlencoded")
    assert paid == 303, headers
    message = _eml(devserver.outbox, body["booking_ref"], person["email"])
    (link,) = set(MANAGE_LINK.findall(_text(message)))
    return body["booking_ref"], link


def _export(devserver: DevServer) -> str:
    environ = {
        **os.environ,
        "STRIPE_SECRET_KEY": "sk_test_browser_export",
        "STRIPE_API_BASE": devserver.url + "/_stripe",
    }
    environ["FEES_PATH"] = str(FIXTURE_FEES)
    done = subprocess.run(
        [sys.executable, "-m", "bookings", "export", EVENT],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


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
    second.get_by_label(ACCESS_NEEDS).fill("Live captions")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("status")).to_contain_text("Your changes are saved")
    delegates = page.get_by_role("list", name="Delegates")
    expect(delegates).to_contain_text(new["name"])
    expect(delegates).not_to_contain_text(old_name)

    confirmation = _text(_eml(devserver.outbox, ref, new["email"]))
    assert "has booked you a place, and it is confirmed" in confirmation and ref in confirmation
    assert "Live captions" not in confirmation
    told = _text(_eml(devserver.outbox, ref, f"jo.{person['email']}"))
    assert "has gone to someone else" in told

    listed = _export(devserver)
    assert new["name"] in listed and old_name not in listed and "Live captions" in listed


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


def test_a_tampered_or_expired_link_gets_a_clear_refusal(page, devserver, person):
    ref, link = _book_two_and_pay(devserver, person)
    token = link.split("t=", 1)[1]
    _payload, mac = token.split(".")
    # Change the MAC's first character: the last one also carries padding bits, so changing it can leave the
    # decoded MAC as it was (about one link in twenty) and the "tampered" link valid.
    page.goto(link.replace(mac, ("A" if mac[0] != "A" else "B") + mac[1:]))
    expect(page.get_by_role("heading", level=1)).to_have_text("This booking link does not work")
    assert ref not in page.content() and person["name"] not in page.content()

    data = links.open_link(token, purpose="manage", secret=LINK_SECRET, now=datetime.now(UTC).timestamp())
    past = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
    expired = links.sign(data, purpose="manage", secret=LINK_SECRET, expires_at=past)
    page.goto(link.replace(token, expired))
    expect(page.get_by_role("heading", level=1)).to_have_text("This booking link has expired")
    assert ref not in page.content() and person["name"] not in page.content()
