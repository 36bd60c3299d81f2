"""The booker's private page over real HTTP, with the store (the local engine) and aiosmtpd: a delegate is replaced
from the link in the confirmation e-mail; the booking in the store, the outbox's e-mails and the booker's note
follow; other links are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking import links
from booking.life import Refunded
from flows.manage import MANAGE
from tests.backoffice.conftest import booking, http
from tests.backoffice.managed import (
    NEW,
    get_json,
    paid_booking,
    post_form,
    post_json,
    record_of,
    send_mail,
    step,
    version_of,
)
from tests.fixture_site import FIXTURE_ORGANISER
from tests.functions.conftest import FORM_HEADERS


def test_the_booker_replaces_delegate_two_from_the_link_in_the_confirmation(live):
    booked = paid_booking(live)
    page = live.get(booked.link)
    assert page.status == 200, page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert "form-action 'self'" in page.headers["content-security-policy"] and "<script" not in page.text
    assert f"Your booking {booked.ref}" in page.text and booked.data["delegates"][1]["name"] in page.text
    assert "Information Sharing &amp; The Police" in page.text
    assert "£589.42" in page.text  # what was paid, as recorded
    assert '<input type="hidden" name="version" value="2">' in page.text
    sent_before = len(live.smtp.received)

    delegates = booked.delegates
    delegates[1] = NEW
    saved = post_form(booked.link, delegates, version=2)
    assert saved.status == 200, saved.text
    assert "Your changes are saved" in saved.text and "Sam Okafor" in saved.text
    assert '<input type="hidden" name="version" value="3">' in saved.text

    record = record_of(live, booked.ref)
    assert record.delegates[1].name == "Sam Okafor" and record.delegates[1].access_needs == ""
    assert record.delegates[0].name == booked.data["delegates"][0]["name"] and record.substitutions == 1

    received = live.wait_for_mail(sent_before + 4)[sent_before:]
    to = {r.rcpt_tos[0]: r for r in received}
    assert set(to) == {"sam.okafor@nhs.net", "delegate2@nhs.net", "bookings@events.example.org", "priya.shah@nhs.net"}
    confirmation = to["sam.okafor@nhs.net"]
    assert "has booked you a place, and it is confirmed" in confirmation.text and booked.ref in confirmation.text
    assert "/api/bookings/manage?t=" in confirmation.text.split("Access needs", 1)[1]  # their own link
    notice = to["delegate2@nhs.net"]
    assert "has gone to someone else" in notice.text and "Sam Okafor" not in notice.text + notice.html
    organisers = to["bookings@events.example.org"]
    assert "is now Sam Okafor <sam.okafor@nhs.net>" in organisers.text
    booker = to["priya.shah@nhs.net"]
    assert "Your booking was changed" in str(booker.message["Subject"])
    assert "has been replaced by Sam Okafor <sam.okafor@nhs.net>" in booker.text
    assert "If you did not, someone else has your link: contact us at bookings@events.example.org" in booker.text
    assert "Send me a new link" in booker.text


def test_the_same_save_again_is_a_conflict_and_with_the_new_version_changes_nothing(live):
    booked = paid_booking(live)
    delegates = booked.delegates
    delegates[1] = NEW
    before = len(live.smtp.received)
    assert post_form(booked.link, delegates, version=2).status == 200
    sent = len(live.wait_for_mail(before + 4))
    stale = post_form(booked.link, delegates, version=2)
    assert stale.status == 409 and "Someone changed this booking a moment ago: here it is now" in stale.text
    again = post_form(booked.link, delegates, version=3)
    assert again.status == 200 and "Nothing was changed" in again.text
    assert len(live.smtp.received) == sent and record_of(live, booked.ref).substitutions == 1
    assert version_of(live, booked.ref) == 3


def test_a_corrected_job_title_is_no_substitution(live):
    booked = paid_booking(live)
    delegates = booked.delegates
    delegates[0]["job_title"] = "Caldicott Guardian"
    sent = len(live.smtp.received)
    answer = post_form(booked.link, delegates, version=2)
    assert answer.status == 200 and "Your changes are saved" in answer.text
    record = record_of(live, booked.ref)
    assert record.delegates[0].job_title == "Caldicott Guardian" and record.substitutions == 0
    received = live.wait_for_mail(sent + 2)[sent:]
    assert sorted(r.rcpt_tos[0] for r in received) == ["bookings@events.example.org", "priya.shah@nhs.net"]


def test_a_change_is_checked_like_a_new_booking_and_nothing_is_saved(live):
    booked = paid_booking(live)
    delegates = booked.delegates
    delegates[1] = {**NEW, "email": "not an address", "name": ""}
    answer = post_form(booked.link, delegates, version=2)
    assert answer.status == 422
    assert "There is a problem" in answer.text and 'href="#delegate-1-email"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "Enter delegate 2&#39;s e-mail address, like name@nhs.net" in answer.text
    as_json = post_json(booked.link, {"delegates": delegates, "version": 2})
    assert as_json.status == 422
    assert {e["field"] for e in as_json.json()["errors"]} == {"delegates.1.email", "delegates.1.name"}
    assert record_of(live, booked.ref).delegates[1].name == booked.data["delegates"][1]["name"]
    assert version_of(live, booked.ref) == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Sam\u202eOkafor"),
        ("name", "Sam\x00Okafor"),
        ("job_title", "Lead\nManager"),
        ("organisation", "\u200b\u200b"),
    ],
    ids=["bidi override", "NUL", "line break", "nothing visible"],
)
def test_text_a_new_booking_refuses_is_refused_here_with_the_same_message(live, field, value):
    booked = paid_booking(live)
    delegates = booked.delegates
    delegates[1] = {**NEW, field: value}
    answer = post_json(booked.link, {"delegates": delegates, "version": 2})
    assert answer.status == 422, answer.text
    (error,) = answer.json()["errors"]
    new_booking = booking(2, tag="-fresh")
    new_booking["delegates"][1] = {**NEW, field: value}
    refused = live.post_json(new_booking)
    assert refused.status == 422 and error in refused.json()["errors"]
    assert error["field"] == f"delegates.1.{field}"
    assert record_of(live, booked.ref).delegates[1].name == booked.data["delegates"][1]["name"]


def test_a_save_without_the_version_it_was_shown_is_refused(live):
    booked = paid_booking(live)
    delegates = booked.delegates
    delegates[1] = NEW
    for version in (None, "two", "0", "-1"):
        answer = http("POST", booked.link, _form(delegates, version), FORM_HEADERS | {"accept": "application/json"})
        assert answer.status == 422 and answer.json()["errors"][0]["field"] == "version", (version, answer.text)
    assert record_of(live, booked.ref).substitutions == 0


def _form(delegates, version):
    from urllib.parse import urlencode

    pairs = [(f"delegates[{i}][{k}]", v) for i, d in enumerate(delegates) for k, v in d.items()]
    return urlencode(pairs + ([("version", version)] if version is not None else []))


def test_adding_or_removing_a_delegate_is_refused_with_a_pointer_to_the_organiser(live):
    booked = paid_booking(live)
    answer = post_json(booked.link, {"delegates": booked.delegates[:1], "version": 2})
    assert answer.status == 422
    assert answer.json()["errors"][0]["field"] == "delegates" and "e-mail us" in answer.json()["errors"][0]["message"]
    page = live.get(booked.link)
    assert "Adding or removing a delegate changes the price" in page.text


def test_a_tampered_link_is_refused_and_shows_no_booking(live):
    booked = paid_booking(live)
    link = booked.link
    payload, _signature = link.split("t=", 1)[1].split(".")
    for bad in (
        link[:-2],
        link + "x",
        link.replace(payload, payload[:-1] + ("A" if payload[-1] != "A" else "B")),
        link.split("?")[0],
        link.split("?")[0] + "?t=",
    ):
        page = live.get(bad)
        assert page.status == 403, (bad, page.text)
        assert "This booking link does not work" in page.text
        assert booked.ref not in page.text and booked.data["delegates"][0]["name"] not in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        assert post_form(bad, booked.delegates, version=2).status == 403


def test_a_link_signed_for_another_purpose_or_an_unknown_booking_is_refused(live):
    booked = paid_booking(live, tag="-b")
    secret = live.settings.link_secret
    far = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
    other_purpose = links.sign({"ref": booked.ref, "lv": 0}, purpose="invoice", secret=secret, expires_at=far)
    unknown = links.sign({"ref": "CP-ZZZZZZ", "lv": 0}, purpose=MANAGE, secret=secret, expires_at=far)
    old_shape = links.sign({"ref": booked.ref, "src": "pi_123"}, purpose=MANAGE, secret=secret, expires_at=far)
    for token in (other_purpose, unknown, old_shape):
        page = live.get(f"/api/bookings/manage?t={token}")
        assert page.status == 403 and booked.ref not in page.text
        delegates = booked.delegates
        delegates[0] = NEW
        assert post_form(f"{live.url}/api/bookings/manage?t={token}", delegates, version=2).status == 403
    assert record_of(live, booked.ref).delegates[0].name == booked.data["delegates"][0]["name"]


def test_an_expired_link_is_refused(live):
    booked = paid_booking(live)
    live.configure(now=lambda: datetime(2083, 9, 14, 15, 1, tzinfo=UTC))  # 16:01 in London: the event has ended
    page = live.get(booked.link)
    assert page.status == 410 and "This booking link has expired" in page.text and booked.ref not in page.text


def test_after_booking_closes_the_page_says_whom_to_contact(live):
    booked = paid_booking(live)
    live.configure(now=lambda: datetime(2083, 9, 13, 18, 0, tzinfo=UTC))  # EVENT's booking closed at 17:00 (BST)
    page = live.get(booked.link)
    assert page.status == 200
    assert "Booking for this event closed on 13 September 2083 at 17:00 (UK time)" in page.text
    assert "mailto:bookings@events.example.org" in page.text and "Save changes" not in page.text
    delegates = booked.delegates
    delegates[1] = NEW
    refused = post_form(booked.link, delegates, version=2)
    assert refused.status == 409
    assert record_of(live, booked.ref).delegates[1].name == booked.data["delegates"][1]["name"]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_other_methods_are_not_allowed(live, method):
    answer = http(method, live.url + "/api/bookings/manage?t=x", b"", {})
    assert answer.status == 405 and "GET" in answer.headers["allow"] and "POST" in answer.headers["allow"]


def test_a_cancelled_booking_shows_what_was_refunded_and_cannot_be_changed(live):
    booked = paid_booking(live)
    step(live, booked.ref, Refunded(58942, 58942, "2083-01-06T10:00:00+00:00"))
    send_mail(live, booked.ref)
    page = live.get(booked.link)
    assert page.status == 200 and "This booking has been cancelled" in page.text and "Save changes" not in page.text
    assert "Refunded</th><td>£589.42" in page.text
    delegates = booked.delegates
    delegates[1] = NEW
    refused = post_form(booked.link, delegates, version=version_of(live, booked.ref))
    assert refused.status == 409
    assert record_of(live, booked.ref).delegates[1].name == booked.data["delegates"][1]["name"]


def test_without_contact_email_the_page_names_the_organisers_address_from_their_details_file(live):
    booked = paid_booking(live)
    live.configure(contact_email=None, organiser_path=FIXTURE_ORGANISER)
    page = live.get(booked.link)
    assert page.status == 200 and "mailto:bookings@example.org" in page.text


def test_the_json_view_hands_out_the_version_and_takes_the_same_shape_back(live):
    booked = paid_booking(live)
    view = get_json(booked.link)
    assert view["booking_ref"] == booked.ref and view["version"] == 2 and view["can_change"] is True
    assert [d["name"] for d in view["delegates"]] == [d["name"] for d in booked.data["delegates"]]
    view["delegates"][0]["job_title"] = "Caldicott Guardian"
    saved = post_json(booked.link, view)
    assert saved.status == 200, saved.text
    assert saved.json()["version"] == 3 and saved.json()["changed"] == [1]
    stale = post_json(booked.link, view)
    assert stale.status == 409 and stale.json()["errors"][0]["field"] == "version"
    assert stale.json()["version"] == 3 and stale.json()["delegates"][0]["job_title"] == "Caldicott Guardian"
