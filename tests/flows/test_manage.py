"""The manage flow's own pieces: what each link opens, what an edit keeps, and the daily cap's counter; and the
cap against the real store (the local engine): a save past it writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adapters.content.events import EventFacts
from adapters.mail.compose import About, Letterhead
from adapters.store import LimitReached
from booking import links
from booking.life import CheckoutStarted, Paid
from booking.record import Amount, Attendee, BookingRecord, Contact
from flows import manage as flow
from flows.advance import advance

SECRET = "a-link-secret-for-the-flow-tests-0123456789"
SITE = "https://events.example.org"
NOW = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)  # 23:30 in London (GMT): still 1 March
LATER = datetime(2027, 9, 14, 16, 0, tzinfo=UTC)
LETTERHEAD = Letterhead(sender="Bookings <bookings@events.example.org>", organisers="team@events.example.org")


def _record(needs: str = "") -> BookingRecord:
    return BookingRecord(
        ref="CP-ABCDEF",
        event="caldicott-police-2027",
        category="nhs",
        payment="card",
        contact=Contact(name="Sam Lee", email="sam@example.org"),
        delegates=(
            Attendee(name="Ann One", email="ann@example.org", access_needs=needs),
            Attendee(name="Bo Two", email="bo@example.org"),
        ),
        amounts=(Amount(net_pence=26550, vat_pence=5310),) * 2,
    )


def _token(url: str) -> str:
    return url.split("t=", 1)[1]


def test_each_link_opens_what_it_was_made_for():
    record = _record()
    made = flow.booking_links(record, site_url=SITE, secret=SECRET, expires=LATER)
    assert set(made) == {"manage", "access.0", "access.1"}
    assert all(url.startswith(f"{SITE}/api/bookings/manage?t=") for url in made.values())
    assert flow.open_token(_token(made["manage"]), secret=SECRET, now=NOW) == flow.ManageLink("CP-ABCDEF", 0)
    second = flow.open_token(_token(made["access.1"]), secret=SECRET, now=NOW)
    assert isinstance(second, flow.AccessLink) and second.position == 1
    assert second.holder(record) == record.delegates[1]
    payload = links.open_link(_token(made["access.1"]), purpose=flow.ACCESS_NEEDS, secret=SECRET, now=NOW.timestamp())
    assert "bo@example.org" not in str(payload) and "Bo Two" not in str(payload)  # nothing personal in a URL


def test_a_link_past_its_time_or_under_another_key_opens_nothing():
    url = flow.manage_url(SITE, _record(), secret=SECRET, expires=LATER)
    with pytest.raises(links.LinkExpired):
        flow.open_token(_token(url), secret=SECRET, now=LATER)
    with pytest.raises(links.LinkInvalid):
        flow.open_token(_token(url), secret=SECRET + "x", now=NOW)
    other = links.sign({"ref": "CP-ABCDEF", "lv": "0"}, purpose=flow.MANAGE, secret=SECRET, expires_at=2**40)
    with pytest.raises(links.LinkInvalid):
        flow.open_token(other, secret=SECRET, now=NOW)


def test_a_delegates_link_is_void_once_the_place_goes_to_someone_else():
    record = _record()
    link = flow.open_token(
        _token(flow.access_needs_url(SITE, record, 1, secret=SECRET, expires=LATER)), secret=SECRET, now=NOW
    )
    assert isinstance(link, flow.AccessLink)
    moved = record.substitute(1, Attendee(name="Cy New", email="cy@example.org"))
    assert link.holder(moved) is None
    renamed = record.amend(1, record.delegates[1].model_copy(update={"name": "Bo Twoo"}))
    assert link.holder(renamed) == renamed.delegates[1]  # the same person, spelled better: still theirs
    assert flow.AccessLink("CP-ABCDEF", 7, link.person).holder(record) is None


def test_an_edit_keeps_a_staying_delegates_access_needs_and_gives_a_newcomer_none():
    record = _record(needs="Step-free access")
    typed = [Attendee(name="Ann One", email="ann@example.org", job_title="Lead"), record.delegates[1]]
    kept, changes = flow.edit_delegates(record, typed)
    assert kept.delegates[0].access_needs == "Step-free access" and kept.delegates[0].job_title == "Lead"
    assert [c.number for c in changes] == [1] and not changes[0].replaced
    newcomer = [Attendee(name="Cy New", email="cy@example.org"), record.delegates[1]]
    replaced, changes = flow.edit_delegates(record, newcomer)
    assert replaced.delegates[0].access_needs == "" and changes[0].replaced and replaced.substitutions == 1
    same, changes = flow.edit_delegates(record, [d.model_copy(update={"access_needs": ""}) for d in record.delegates])
    assert same == record and changes == ()


def test_the_cap_counts_by_uk_day_and_goes_two_days_later():
    take = flow.change_cap("CP-ABCDEF", NOW)
    assert take.key == "COUNTER#changes#CP-ABCDEF#2027-03-01" == flow.changes_key("CP-ABCDEF", date(2027, 3, 1))
    assert (take.amount, take.limit) == (1, flow.CHANGES_PER_DAY)
    assert take.expires_at == int(datetime(2027, 3, 3, 0, 0, tzinfo=UTC).timestamp())
    summer = flow.change_cap("CP-ABCDEF", datetime(2027, 6, 30, 23, 30, tzinfo=UTC))  # 00:30 BST on 1 July
    assert summer.key.endswith("#2027-07-01")


def _about(booking) -> About:
    return About(record=booking.record, event=EventFacts(slug="caldicott-police-2027", title="Caldicott"))


def test_a_save_past_the_days_cap_writes_nothing(booking_store, monkeypatch):
    monkeypatch.setattr(flow, "CHANGES_PER_DAY", 2)
    record = _record()
    for event in (CheckoutStarted(record), Paid("2027-01-05T10:00:00+00:00")):
        advance(booking_store, record.ref, event, about=_about, letterhead=LETTERHEAD)
    for n in range(2):
        version = booking_store.get(record.ref).version
        typed = [record.delegates[0].model_copy(update={"job_title": f"Lead {n}"}), record.delegates[1]]
        step = flow.save_delegates(
            booking_store, record.ref, version, typed, about=_about, letterhead=LETTERHEAD, now=NOW
        )
        assert step.changed
    stored = booking_store.get(record.ref)
    typed = [record.delegates[0].model_copy(update={"job_title": "Too many"}), record.delegates[1]]
    with pytest.raises(LimitReached):
        flow.save_delegates(
            booking_store, record.ref, stored.version, typed, about=_about, letterhead=LETTERHEAD, now=NOW
        )
    assert booking_store.get(record.ref) == stored
    assert booking_store.counter(flow.changes_key(record.ref, date(2027, 3, 1))) == 2
    stale = flow.save_delegates(
        booking_store, record.ref, stored.version - 1, typed, about=_about, letterhead=LETTERHEAD, now=NOW
    )
    assert stale.transition is None and stale.booking is not None and stale.booking.version == stored.version
    tomorrow = flow.save_delegates(
        booking_store, record.ref, stored.version, typed, about=_about, letterhead=LETTERHEAD, now=LATER
    )
    assert tomorrow.changed
