"""The booking request: whatever validation accepts is stored in Stripe and read back exactly, 50 delegates included."""

from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from booking import record
from booking.request import BookingRequest, field_errors

# Any Unicode a person may type, surrogates excluded (they cannot be sent as UTF-8 at all).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=100)
EMAIL = st.emails().filter(lambda e: len(e) <= 254)


def _person(name: str, email: str, job: str = "", organisation: str = "") -> dict[str, str]:
    return {"name": name, "email": email, "job_title": job, "organisation": organisation}


@settings(max_examples=60, deadline=None)
@given(
    contact=st.tuples(TEXT, EMAIL, TEXT),
    delegates=st.lists(st.tuples(TEXT, EMAIL, TEXT, TEXT), min_size=50, max_size=50),
    payment=st.sampled_from(["card", "invoice"]),
    purchase_order=TEXT,
    net=st.integers(min_value=0, max_value=10_000_000),
)
def test_any_booking_validation_accepts_comes_back_from_the_record_unchanged(
    contact, delegates, payment, purchase_order, net
):
    data = {
        "event": "caldicott-police-2027",
        "category": "public-sector",
        "payment": payment,
        "contact": {"name": contact[0], "email": contact[1], "organisation": contact[2]},
        "delegates": [_person(*d) for d in delegates],
        "accept_terms": True,
        "billing": {"name": "Accounts", "email": "ap@example.org", "address": "1 High St\nLS1 4AP"},
        "purchase_order": purchase_order,
    }
    try:
        request = BookingRequest.model_validate(data)
    except ValidationError as exc:
        event("refused")
        assert all(e.message for e in field_errors(exc))
        return
    event("accepted")
    booked = request.to_record("CP-ABCDEF", (record.Amount(net_pence=net, vat_pence=net // 5),) * 50)
    read = record.BookingRecord.model_validate_json(record.document(booked))
    assert read == booked
    assert read is not None
    assert (read.contact.name, read.contact.email, read.contact.organisation) == (
        request.contact.name,
        request.contact.email,
        request.contact.organisation,
    )
    assert [(d.name, d.email, d.job_title, d.organisation) for d in read.delegates] == [
        (d.name, d.email, d.job_title, d.organisation) for d in request.delegates
    ]
    assert read.purchase_order == (request.purchase_order if payment == "invoice" else "")


def test_the_largest_booking_the_form_accepts_fits_one_item_of_the_store():
    """50 delegates with every field as long as it may be, in 4-byte characters: the store's item is at most
    400 KB (DynamoDB's limit), and the record leaves most of it for what happens later."""
    longest = "😀"
    data = {
        "event": "caldicott-police-2083",
        "category": "public-sector",
        "contact": {"name": longest * 100, "email": "sam@example.org", "organisation": longest * 150},
        "delegates": [
            {**_person(longest * 100, f"d{i}@example.org", longest * 150, longest * 150), "access_needs": longest * 300}
            for i in range(50)
        ],
        "accept_terms": True,
    }
    booked = BookingRequest.model_validate(data).to_record("CP-ABCDEF", (record.Amount(net_pence=1, vat_pence=0),) * 50)
    assert len(record.document(booked).encode("utf-8")) < 200_000
