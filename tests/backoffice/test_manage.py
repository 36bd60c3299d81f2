"""The booker's private page: over real HTTP with the stand-in and aiosmtpd, a delegate is replaced from the link
in the confirmation e-mail; the record, the e-mails and the delegate list follow; other links are refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from booking import links
from booking import record as records
from functions.manage import PURPOSE
from tests.backoffice.conftest import booking, http
from tests.backoffice.test_delegate_list import _export
from tests.fixture_site import FIXTURE_ORGANISER
from tests.functions.conftest import FORM_HEADERS, JSON_HEADERS

MANAGE_LINK = re.compile(r"https?://\S+/api/bookings/manage\?t=[A-Za-z0-9_.-]+")
NEW = {
    "name": "Sam Okafor",
    "email": "sam.okafor@nhs.net",
    "job_title": "Records Manager",
    "organisation": "Leeds Teaching Hospitals NHS Trust",
    "access_needs": "Live captions, please",
}


def _manage_link(live, booker: str = "priya.shah@nhs.net") -> str:
    (message,) = live.smtp.to(booker)
    (link,) = set(MANAGE_LINK.findall(message.text))
    assert link in message.html.replace("&amp;", "&")
    return link


def _fields(delegates: list[dict[str, str]]) -> str:
    pairs = [(f"delegates[{i}][{k}]", v) for i, d in enumerate(delegates) for k, v in d.items()]
    return urlencode(pairs)


def _delegates(data: dict) -> list[dict[str, str]]:
    return [{"access_needs": "", **d} for d in data["delegates"]]


def _record(live, ref: str) -> records.BookingRecord:
    (intent,) = [i for i in live.standin.app.payment_intents() if i["metadata"].get(records.REF_KEY) == ref]
    found = records.from_metadata(intent["metadata"])
    assert found is not None
    return found


def _booked(live, delegates: int = 2, tag: str = "") -> tuple[dict, str, str]:
    data = booking(delegates, tag=tag)
    body = live.book_card(data)
    live.wait_for_mail(delegates + 2)
    return data, body["booking_ref"], _manage_link(live, data["contact"]["email"])


def test_the_booker_replaces_delegate_two_from_the_link_in_the_confirmation(live):
    data, ref, link = _booked(live)
    page = live.get(link)
    assert page.status == 200, page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert "form-action 'self'" in page.headers["content-security-policy"] and "<script" not in page.text
    assert f"Your booking {ref}" in page.text and "Delegate 2" in data["delegates"][1]["name"]
    assert data["delegates"][1]["name"] in page.text and "Information Sharing &amp; The Police" in page.text
    assert "£589.42" in page.text  # what was paid, as recorded
    sent_before = len(live.smtp.received)

    delegates = _delegates(data)
    delegates[1] = NEW
    saved = http("POST", link, _fields(delegates), FORM_HEADERS | {"accept": "text/html"})
    assert saved.status == 200, saved.text
    assert "Your changes are saved" in saved.text and "Sam Okafor" in saved.text

    record = _record(live, ref)
    assert record.delegates[1].name == "Sam Okafor" and record.delegates[1].access_needs == "Live captions, please"
    assert record.delegates[0].name == data["delegates"][0]["name"] and record.substitutions == 1

    received = live.wait_for_mail(sent_before + 3)[sent_before:]
    to = {r.rcpt_tos[0]: r for r in received}
    assert set(to) == {"sam.okafor@nhs.net", "delegate2@nhs.net", "bookings@events.example.org"}
    confirmation = to["sam.okafor@nhs.net"]
    assert "has booked you a place, and it is confirmed" in confirmation.text and ref in confirmation.text
    assert "Live captions" not in confirmation.text + confirmation.html  # access needs go to organisers only
    notice = to["delegate2@nhs.net"]
    assert "has gone to someone else" in notice.text and "Sam Okafor" not in notice.text + notice.html
    organisers = to["bookings@events.example.org"]
    assert "Live captions, please" in organisers.text and "is now Sam Okafor <sam.okafor@nhs.net>" in organisers.text

    status, out, _ = _export(live)
    assert status == 0
    assert "Sam Okafor" in out and data["delegates"][1]["name"] not in out
    assert "Live captions, please" in out


def test_the_same_save_twice_changes_nothing_the_second_time(live):
    data, ref, link = _booked(live)
    delegates = _delegates(data)
    delegates[1] = NEW
    assert http("POST", link, _fields(delegates), FORM_HEADERS).status == 200
    sent = len(live.wait_for_mail(len(live.smtp.received)))
    again = http("POST", link, _fields(delegates), FORM_HEADERS)
    assert again.status == 200 and "Nothing was changed" in again.text
    assert len(live.smtp.received) == sent and _record(live, ref).substitutions == 1


def test_a_corrected_job_title_is_no_substitution(live):
    data, ref, link = _booked(live)
    delegates = _delegates(data)
    delegates[0]["job_title"] = "Caldicott Guardian"
    sent = len(live.smtp.received)
    answer = http("POST", link, _fields(delegates), FORM_HEADERS)
    assert answer.status == 200 and "Your changes are saved" in answer.text
    record = _record(live, ref)
    assert record.delegates[0].job_title == "Caldicott Guardian" and record.substitutions == 0
    received = live.wait_for_mail(sent + 1)[sent:]
    assert [r.rcpt_tos[0] for r in received] == ["bookings@events.example.org"]  # only the organisers' copy


def test_a_change_is_checked_like_a_new_booking_and_nothing_is_saved(live):
    data, ref, link = _booked(live)
    delegates = _delegates(data)
    delegates[1] = {**NEW, "email": "not an address", "name": ""}
    answer = http("POST", link, _fields(delegates), FORM_HEADERS | {"accept": "text/html"})
    assert answer.status == 422
    assert "There is a problem" in answer.text and 'href="#delegate-1-email"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "Enter delegate 2&#39;s e-mail address, like name@nhs.net" in answer.text
    as_json = http("POST", link, _json(delegates), JSON_HEADERS)
    assert as_json.status == 422
    fields = {e["field"] for e in as_json.json()["errors"]}
    assert fields == {"delegates.1.email", "delegates.1.name"}
    assert _record(live, ref).delegates[1].name == data["delegates"][1]["name"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Sam\u202eOkafor"),
        ("name", "Sam\x00Okafor"),
        ("job_title", "Lead\nManager"),
        ("organisation", "\u200b\u200b"),
        ("access_needs", "Captions\u2066please"),
        ("access_needs", "x" * 301),
    ],
    ids=["bidi override", "NUL", "line break", "nothing visible", "bidi isolate", "too long"],
)
def test_text_a_new_booking_refuses_is_refused_here_with_the_same_message(live, field, value):
    data, ref, link = _booked(live)
    delegates = _delegates(data)
    delegates[1] = {**NEW, field: value}
    answer = http("POST", link, _json(delegates), JSON_HEADERS)
    assert answer.status == 422, answer.text
    (error,) = answer.json()["errors"]
    new_booking = booking(2, tag="-fresh")
    new_booking["delegates"][1] = {**NEW, field: value}
    refused = live.post_json(new_booking)
    assert refused.status == 422 and error in refused.json()["errors"]
    assert error["field"] == f"delegates.1.{field}"
    assert _record(live, ref).delegates[1] == records.Attendee(**_delegates(data)[1])


def _json(delegates: list[dict[str, str]]) -> str:
    import json

    return json.dumps({"delegates": delegates})


def test_adding_or_removing_a_delegate_is_refused_with_a_pointer_to_the_organiser(live):
    data, _ref, link = _booked(live)
    answer = http("POST", link, _json(_delegates(data)[:1]), JSON_HEADERS)
    assert answer.status == 422
    assert answer.json()["errors"][0]["field"] == "delegates" and "e-mail us" in answer.json()["errors"][0]["message"]
    page = live.get(link)
    assert "Adding or removing a delegate changes the price" in page.text


def test_a_tampered_link_is_refused_and_shows_no_booking(live):
    data, ref, link = _booked(live)
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
        assert ref not in page.text and data["delegates"][0]["name"] not in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        posted = http("POST", bad, _fields(_delegates(data)), FORM_HEADERS)
        assert posted.status == 403


def test_a_link_signed_for_another_purpose_or_booking_is_refused(live):
    _data_a, ref_a, _link_a = _booked(live, tag="-a")
    data_b, ref_b, _link_b = _booked(live, tag="-b")
    secret = live.settings.link_secret
    intent_b = next(i["id"] for i in live.standin.app.payment_intents() if i["metadata"].get(records.REF_KEY) == ref_b)
    far = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
    other_purpose = links.sign({"ref": ref_b, "src": intent_b}, purpose="invoice", secret=secret, expires_at=far)
    swapped = links.sign({"ref": ref_a, "src": intent_b}, purpose=PURPOSE, secret=secret, expires_at=far)
    for token in (other_purpose, swapped):
        page = live.get(f"/api/bookings/manage?t={token}")
        assert page.status == 403 and ref_a not in page.text and ref_b not in page.text
        delegates = _delegates(data_b)
        delegates[0] = NEW
        assert http("POST", f"{live.url}/api/bookings/manage?t={token}", _fields(delegates), FORM_HEADERS).status == 403
    assert _record(live, ref_b).delegates[0].name == data_b["delegates"][0]["name"]


def test_an_expired_link_is_refused(live):
    _data, ref, link = _booked(live)
    live.configure(now=lambda: datetime(2083, 9, 14, 15, 1, tzinfo=UTC))  # 16:01 in London: the event has ended
    page = live.get(link)
    assert page.status == 410 and "This booking link has expired" in page.text and ref not in page.text


def test_after_booking_closes_the_page_says_whom_to_contact(live):
    data, ref, link = _booked(live)
    live.configure(now=lambda: datetime(2083, 9, 13, 18, 0, tzinfo=UTC))  # EVENT's booking closed at 17:00 (BST)
    page = live.get(link)
    assert page.status == 200
    assert "Booking for this event closed on 13 September 2083 at 17:00 (UK time)" in page.text
    assert "mailto:bookings@events.example.org" in page.text and "Save changes" not in page.text
    delegates = _delegates(data)
    delegates[1] = NEW
    refused = http("POST", link, _fields(delegates), FORM_HEADERS | {"accept": "text/html"})
    assert refused.status == 409 and _record(live, ref).delegates[1].name == data["delegates"][1]["name"]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_other_methods_are_not_allowed(live, method):
    answer = http(method, live.url + "/api/bookings/manage?t=x", b"", {})
    assert answer.status == 405 and "GET" in answer.headers["allow"] and "POST" in answer.headers["allow"]


def test_a_cancelled_booking_shows_what_was_refunded_and_cannot_be_changed(live):
    data, ref, link = _booked(live)
    (intent,) = [i for i in live.standin.app.payment_intents() if i["metadata"].get(records.REF_KEY) == ref]
    live.standin.client().v1.refunds.create(params={"payment_intent": intent["id"]})
    assert _record(live, ref).cancelled
    page = live.get(link)
    assert page.status == 200 and "This booking has been cancelled" in page.text and "Save changes" not in page.text
    assert "Refunded</th><td>£589.42" in page.text
    delegates = _delegates(data)
    delegates[1] = NEW
    refused = http("POST", link, _fields(delegates), FORM_HEADERS | {"accept": "text/html"})
    assert refused.status == 409 and _record(live, ref).delegates[1].name == data["delegates"][1]["name"]


def test_without_contact_email_the_page_names_the_organisers_address_from_their_details_file(live):
    _, _, link = _booked(live)
    live.configure(contact_email=None, organiser_path=FIXTURE_ORGANISER)
    page = live.get(link)
    assert page.status == 200 and "mailto:bookings@example.org" in page.text
