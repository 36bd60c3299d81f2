"""The booking record: whatever a person types comes back exactly, within Stripe's metadata limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking import record
from booking.record import Amount, Attendee, BookingRecord, Contact

# Any Unicode a person may type, surrogates excluded (they cannot be sent as UTF-8 at all).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=100)
EMAIL = st.emails().filter(lambda e: len(e) <= 254)


def _record(delegates: int = 1, **changes: object) -> BookingRecord:
    """A valid card booking; `changes` replace fields as they are (model_copy does not validate)."""
    base = BookingRecord(
        ref="CP-ABCDEF",
        event="caldicott-police-2027",
        category="nhs",
        payment="card",
        contact=Contact(name="Sam Lee", email="sam@example.org", organisation="Leeds NHS"),
        delegates=tuple(Attendee(name=f"Delegate {i}", email=f"d{i}@example.org") for i in range(delegates)),
        amounts=(Amount(net_pence=26550, vat_pence=5310),) * delegates,
    )
    return base.model_copy(update=changes)


def _limits_hold(meta: dict[str, str]) -> None:
    assert len(meta) <= record.METADATA_MAX_KEYS
    for key, value in meta.items():
        assert len(key) <= 40
        assert len(value.encode("utf-16-le")) // 2 <= record.METADATA_VALUE_MAX
        assert value == value.strip(), "a value Stripe might trim"


attendees = st.builds(Attendee, name=TEXT, email=EMAIL, job_title=TEXT, organisation=TEXT, access_needs=TEXT)


def test_whitespace_at_a_cut_is_escaped_and_reads_back():
    spaced = _record(delegates=1).model_copy(
        update={"delegates": (Attendee(name="A" + " " * 99, email="a@example.org", access_needs=" \u3000 " * 300),)}
    )
    meta = record.to_metadata(spaced)
    _limits_hold(meta)
    assert record.from_metadata(meta) == spaced


@settings(max_examples=150, deadline=None)
@given(
    name=TEXT,
    organisation=TEXT,
    delegates=st.lists(attendees, min_size=1, max_size=50),
    purchase_order=TEXT,
    code=TEXT,
)
def test_any_text_comes_back_exactly_or_is_refused_as_too_large(name, organisation, delegates, purchase_order, code):
    original = _record().model_copy(
        update={
            "contact": Contact(name=name, email="sam@example.org", organisation=organisation),
            "delegates": tuple(delegates),
            "amounts": (Amount(net_pence=1, vat_pence=0),) * len(delegates),
            "purchase_order": purchase_order,
            "code": code,
        }
    )
    if record.size(original) > record.CAPACITY:
        try:
            meta = record.to_metadata(original)
        except record.RecordTooLarge:
            return  # refused, never cut short
    else:
        meta = record.to_metadata(original)
    _limits_hold(meta)
    assert record.from_metadata(meta) == original


def test_the_largest_booking_an_event_allows_fits_with_room_for_what_happens_later():
    # 50 delegates with long but realistic details: every one gets the joining instructions and a certificate.
    delegates = tuple(
        Attendee(
            name="Dr Alexandra Montgomery-Fotheringham-Smythe",
            email=f"alexandra.montgomery-fotheringham{i:02d}@leedsteachinghospitals.nhs.uk",
            job_title="Head of Information Governance and Data Protection Officer",
            organisation="Leeds Teaching Hospitals NHS Trust, Information Governance",
            access_needs="Live captions, please, and a copy of the slides a day before.",
        )
        for i in range(50)
    )
    booking = _record().model_copy(
        update={"delegates": delegates, "amounts": (Amount(net_pence=26550, vat_pence=5310),) * 50}
    )
    assert record.fits_new(booking)
    done = booking.model_copy(
        update={
            "fulfilled_at": "2027-06-01T09:00:00+00:00",
            "confirmation_sent": "2027-06-01T09:00:01+00:00",
            "cancelled_at": "2027-07-01T09:00:00+00:00",
            "refunded_pence": 1_000_000,
            "refund_notice_pence": 1_000_000,
            "joining_sent": frozenset(range(50)),
            "certificate_sent": frozenset(range(50)),
            "substitutions": 50,
            "mail_failures": ("someone@example.org",),
        }
    )
    meta = record.to_metadata(done)
    _limits_hold(meta)
    assert record.from_metadata(meta) == done


def test_a_name_cannot_rewrite_the_record():
    injected = _record().model_copy(
        update={
            "delegates": (Attendee(name="Mal <a@evil.example,b@evil.example> | x | y", email="x3@acme.co.uk"),),
            "amounts": (Amount(net_pence=26550, vat_pence=5310),),
        }
    )
    read = record.from_metadata(record.to_metadata(injected))
    assert read is not None
    assert read.delegates[0].email == "x3@acme.co.uk"
    assert read.delegates[0].name == "Mal <a@evil.example,b@evil.example> | x | y"


def test_an_update_removes_pieces_the_record_no_longer_needs():
    big = _record(delegates=30)
    small = _record(delegates=1)
    before = record.to_metadata(big)
    after = record.to_metadata(small, previous=before)
    stale = {k for k in before if k.startswith(record.CHUNK_PREFIX)} - set(record.to_metadata(small))
    assert stale and all(after[k] == "" for k in stale)
    merged = {k: v for k, v in {**before, **after}.items() if v != ""}  # what Stripe keeps
    assert record.from_metadata(merged) == small


@pytest.mark.parametrize(
    "meta",
    [
        None,
        {},
        {"order_id": "1234"},  # a payment made some other way on the same Stripe account
        {"booking_ref": "", "event": ""},
        {"event": "caldicott-police-2027"},
        # Another system's payment that happens to use the same key names.
        {"booking_ref": "NOT-OURS", "event": "a-shop"},
        {"booking_ref": "CP-ABCDEF", "event": "a-shop", "contact": "x", "category": "y", "payment": "card"},
    ],
)
def test_objects_without_the_marker_are_not_bookings(meta):
    assert not record.is_booking(meta)
    assert record.from_metadata(meta) is None


def test_a_damaged_record_is_reported_not_guessed():
    meta = record.to_metadata(_record())
    meta["record_00"] = meta["record_00"][:-5]
    with pytest.raises(record.NotABooking):
        record.from_metadata(meta)


def test_a_first_format_booking_is_still_read():
    meta = {
        "booking_ref": "CP-ABCDEF",
        "event": "caldicott-police-2027",
        "category": "nhs",
        "payment": "invoice",
        "delegates": "2",
        "amounts": "26550+5310;22568+4514",
        "contact": "Sam Lee <sam@example.org> | Leeds NHS",
        "delegate_01": "Ann Bee <ann@example.org> | Nurse | -",
        "delegate_02": "Cy Dee <cy@example.org> | - | Acme",
        "purchase_order": "PO-1",
        "fulfilled_at": "2027-01-01T00:00:00+00:00",
    }
    read = record.from_metadata(meta)
    assert read is not None
    assert read.payment == "invoice"
    assert read.contact == Contact(name="Sam Lee", email="sam@example.org", organisation="Leeds NHS")
    assert read.delegates == (
        Attendee(name="Ann Bee", email="ann@example.org", job_title="Nurse"),
        Attendee(name="Cy Dee", email="cy@example.org", organisation="Acme"),
    )
    assert read.gross_pence == 31860 + 27082
    assert read.purchase_order == "PO-1"
    assert read.fulfilled_at == "2027-01-01T00:00:00+00:00"


def test_a_substitute_is_owed_what_the_delegate_they_replace_was_sent():
    sent = _record(delegates=3, joining_sent=frozenset({0, 1, 2}), certificate_sent=frozenset({1}))
    swapped = sent.substitute(1, Attendee(name="New Person", email="new@example.org"))
    assert swapped.delegates[1].name == "New Person"
    assert swapped.joining_sent == {0, 2}
    assert swapped.certificate_sent == frozenset()
    assert swapped.substitutions == 1
    assert swapped.amounts == sent.amounts


def test_updating_a_first_format_booking_removes_its_old_keys():
    first = {
        "booking_ref": "CP-ABCDEF",
        "event": "caldicott-police-2027",
        "category": "nhs",
        "payment": "card",
        "delegates": "1",
        "amounts": "26550+5310",
        "contact": "Sam Lee <sam@example.org> | Leeds NHS",
        "delegate_01": "Ann Bee <ann@example.org> | Nurse | -",
    }
    read = record.from_metadata(first)
    assert read is not None
    update = record.to_metadata(read.model_copy(update={"fulfilled_at": "2027-01-01T00:00:00+00:00"}), previous=first)
    kept = {k: v for k, v in {**first, **update}.items() if v != ""}  # what Stripe keeps
    assert set(kept) == {record.MARKER_KEY, record.REF_KEY, record.EVENT_KEY, "record_00"}
    assert record.from_metadata(kept) == read.model_copy(update={"fulfilled_at": "2027-01-01T00:00:00+00:00"})
