"""VAT receipts for card payments: the stand-in's paid session has a paid invoice for exactly the quote, and the
booker's confirmation page and e-mail link to it. Over real HTTP, with the real SDK and aiosmtpd."""

from __future__ import annotations

import pytest

from tests.backoffice.conftest import booking


def _paid_session(live, ref):
    (session,) = [s for s in live.standin.sessions() if s["client_reference_id"] == ref]
    return live.standin.client().v1.checkout.sessions.retrieve(session["id"], params={"expand": ["invoice"]})


@pytest.mark.parametrize(("category", "delegates"), [("public-sector", 1), ("voluntary", 3), ("commercial", 7)])
def test_the_paid_session_has_a_paid_invoice_whose_total_is_the_quote_to_the_penny(live, category, delegates):
    data = booking(delegates, category, tag=f"-{category}")
    body = live.book_card(data)
    session = _paid_session(live, body["booking_ref"])
    invoice = session.invoice
    expected = live.quote(data).total_pence
    assert invoice.status == "paid" and invoice.total == invoice.amount_paid == expected == session.amount_total
    assert invoice.total == body["total_pence"]
    assert invoice.custom_fields[0].to_dict() == {"name": "Booking reference", "value": body["booking_ref"]}
    assert invoice.description.startswith(f"Booking {body['booking_ref']} for ")
    assert all(d["name"] in invoice.description for d in data["delegates"])


def test_the_confirmation_page_and_the_bookers_email_link_to_the_receipt_and_delegates_do_not_get_it(live):
    body = live.book_card(booking(2, tag="-receipt"))
    invoice = _paid_session(live, body["booking_ref"]).invoice
    page = live.get(f"/api/bookings/confirmation?session_id={_paid_session(live, body['booking_ref']).id}")
    assert f'href="{invoice.hosted_invoice_url}"' in page.text and f'href="{invoice.invoice_pdf}"' in page.text
    assert f"(invoice {invoice.number})" in page.text
    received = live.wait_for_mail(4)
    assert len(received) == 4  # booker, 2 delegates, organisers: the receipt's own invoice.paid confirms nothing again
    (booker,) = live.smtp.to("priya.shah-receipt@nhs.net")
    assert invoice.hosted_invoice_url in booker.text and invoice.invoice_pdf in booker.text
    assert f'href="{invoice.hosted_invoice_url}"' in booker.html
    for address in ("delegate1-receipt@nhs.net", "delegate2-receipt@nhs.net"):
        (delegate,) = live.smtp.to(address)
        assert invoice.hosted_invoice_url not in delegate.text  # it names every delegate: the booker's document
    (receipt_paid,) = [d for d in live.standin.deliveries if d.type == "invoice.paid"]
    assert receipt_paid.status == 200 and '"handled": false' in receipt_paid.body


def test_the_vat_number_is_printed_on_the_receipt(live):
    live.configure(vat_number="GB123456789")
    body = live.book_card(booking(1, tag="-vat"))
    invoice = _paid_session(live, body["booking_ref"]).invoice
    assert invoice.footer == "VAT registration number GB123456789"
    page = live.get(invoice.hosted_invoice_url)
    assert page.status == 200 and body["booking_ref"] in page.text
    assert "VAT registration number GB123456789" in page.text and "This invoice was paid on" in page.text
