"""The booking record: whatever a person types comes back exactly from the document the store keeps."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from booking import record
from booking.record import Amount, Attendee, BookingRecord, Contact

# Any Unicode a person may type, surrogates excluded (they cannot be sent as UTF-8 at all).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
EMAIL = st.emails().filter(lambda e: len(e) <= 254)


def _record(delegates: int = 1, **changes: object) -> BookingRecord:
    """A valid card booking; `changes` replace fields as they are (model_copy does not validate)."""
    base = BookingRecord(
        ref="CP-ABCDEF",
        event="caldicott-police-2083",
        category="nhs",
        payment="card",
        contact=Contact(name="Sam Lee", email="sam@example.org", organisation="Leeds NHS"),
        delegates=tuple(Attendee(name=f"Delegate {i}", email=f"d{i}@example.org") for i in range(delegates)),
        amounts=(Amount(net_pence=26550, vat_pence=5310),) * delegates,
    )
    return base.model_copy(update=changes)


attendees = st.builds(Attendee, name=TEXT, email=EMAIL, job_title=TEXT, organisation=TEXT, access_needs=TEXT)


@settings(max_examples=150, deadline=None)
@given(
    name=TEXT,
    organisation=TEXT,
    delegates=st.lists(attendees, min_size=1, max_size=50),
    purchase_order=TEXT,
    code=TEXT,
)
def test_any_text_comes_back_exactly(name, organisation, delegates, purchase_order, code):
    original = _record().model_copy(
        update={
            "contact": Contact(name=name, email="x@example.org", organisation=organisation),
            "delegates": tuple(delegates),
            "amounts": (Amount(net_pence=1, vat_pence=0),) * len(delegates),
            "purchase_order": purchase_order,
            "code": code,
        }
    )
    assert BookingRecord.model_validate_json(record.document(original)) == original


def test_a_name_cannot_rewrite_the_record():
    injected = _record().model_copy(
        update={"contact": Contact(name='Sam","payment":"invoice', email="sam@example.org")}
    )
    read = BookingRecord.model_validate_json(record.document(injected))
    assert read.payment == "card" and read.contact.name == 'Sam","payment":"invoice'


def test_the_document_says_its_version_and_leaves_out_what_has_not_happened():
    data = json.loads(record.document(_record(joining_sent=frozenset({2, 0}))))
    assert data["version"] == record.RECORD_VERSION
    assert data["joining_sent"] == [0, 2]
    assert "fulfilled_at" not in data and "cancelled_at" not in data


def test_a_substitute_is_owed_what_the_delegate_they_replace_was_sent():
    sent = _record(delegates=3, joining_sent=frozenset({0, 1, 2}), certificate_sent=frozenset({1}))
    swapped = sent.substitute(1, Attendee(name="New Person", email="new@example.org"))
    assert swapped.delegates[1].name == "New Person"
    assert swapped.joining_sent == {0, 2}
    assert swapped.certificate_sent == frozenset()
    assert swapped.substitutions == 1
    assert swapped.amounts == sent.amounts
