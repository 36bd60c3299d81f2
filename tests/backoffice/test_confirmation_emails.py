"""Confirmation e-mails: one to the booker, one to each delegate and the organisers' copy, text and HTML, exactly once
per booking."""

from __future__ import annotations

import re

import pytest

from booking.life import State
from tests.backoffice.conftest import MAIL_FROM, ORGANISERS, booking, http


def _pay_invoice_on_its_page(invoice: dict) -> None:
    paid = http(
        "POST", invoice["hosted_invoice_url"] + "/pay", b"", {"content-type": "application/x-www-form-urlencoded"}
    )
    assert paid.status == 303


def test_a_card_booking_sends_one_message_to_the_booker_one_to_each_delegate_and_the_organisers_copy(live, confirmed):
    data = booking(2)
    body = live.book_card(data)
    received = live.wait_for_mail(4)
    assert sorted(r.rcpt_tos[0] for r in received) == [
        ORGANISERS,
        "delegate1@nhs.net",
        "delegate2@nhs.net",
        "priya.shah@nhs.net",
    ]
    for message in (r for r in received if r.rcpt_tos[0] != ORGANISERS):
        assert message.message["Subject"] == (
            "Booking confirmed: Information Sharing & The Police: Caldicott Principles and Sharing Between Police "
            f"and Health Services ({body['booking_ref']})"
        )
        assert message.message["From"] == MAIL_FROM and message.mail_from == "bookings@events.example.org"
        assert message.message.get_content_type() == "multipart/alternative"
        for part in (message.text, message.html):
            assert body["booking_ref"] in part
            assert "Tuesday 14 September 2083, 09:30 to 16:00 (UK time)" in part
            assert "virtual event: the joining details follow by e-mail before the day" in part
            assert "£589.42" in part  # £318.60 + £270.82 by card
            assert "£98.24" in part and "£491.18" in part  # VAT and net, as pricing.quote has them
            assert f"{live.url}/terms/" in part
    booker = live.smtp.to("priya.shah@nhs.net")[0]
    assert "Thank you for your booking" in booker.text and "Paid by card" in booker.text
    delegate = live.smtp.to("delegate2@nhs.net")[0]
    assert "Priya Shah (Leeds Teaching Hospitals NHS Trust) has booked you a place" in delegate.text
    assert len(confirmed()) == 1


def test_amounts_in_the_email_are_the_quotes(live):
    data = booking(4, "commercial")
    live.book_card(data)
    expected = live.quote(data)
    (message, *_) = live.wait_for_mail(5)
    from pricing import format_pence

    assert format_pence(expected.total_pence) in message.text
    assert format_pence(expected.vat_pence) in message.text and format_pence(expected.net_pence) in message.text


def test_a_repeated_webhook_sends_no_second_email(live):
    live.book_card(booking(2))
    live.wait_for_mail(4)
    (event,) = [e for e in live.standin.events if e.type == "checkout.session.completed"]
    for _ in range(3):
        assert live.standin.resend(event.id).status == 200
    assert live.standin.resend(event.id, resign=True).status == 200
    assert len(live.smtp.received) == 4
    (intent,) = live.standin.app.payment_intents()
    stored = live.settings.store().get(intent["metadata"]["booking_ref"]).record
    assert stored.confirmation_sent and stored.fulfilled_at and stored.payment_intent == intent["id"]


def test_the_success_page_before_the_webhook_confirms_and_the_webhook_sends_nothing_more(live):
    # Whichever reads Stripe's paid session first confirms the booking; the outbox sends each message once.
    webhook_url = live.standin.app.webhook_url
    live.standin.app.webhook_url = None
    live.book_card(booking(1))
    (session,) = live.standin.sessions()
    page = live.get(f"/api/bookings/confirmation?session_id={session['id']}")
    assert "Booking confirmed" in page.text
    assert len(live.wait_for_mail(3)) == 3  # the booker, delegate 1 and the organisers
    assert "Booking confirmed" in live.get(f"/api/bookings/confirmation?session_id={session['id']}").text
    live.standin.app.webhook_url = webhook_url
    (event,) = [e for e in live.standin.events if e.type == "checkout.session.completed"]
    assert live.standin.resend(event.id, resign=True).status == 200
    assert live.standin.resend(event.id, resign=True).status == 200
    assert len(live.smtp.received) == 3


def test_an_invoice_booking_is_confirmed_by_email_when_the_invoice_is_paid_and_only_once(live, confirmed):
    data = booking(2, "voluntary", payment="invoice", purchase_order="PO-9911")
    body, invoice = live.book_invoice(data)
    assert live.smtp.received == [] and confirmed() == []  # the invoice is sent by Stripe; we confirm on payment
    _pay_invoice_on_its_page(invoice)
    received = live.wait_for_mail(4)
    assert len(received) == 4 and len(confirmed()) == 1
    paid = live.invoice_of(body["booking_ref"])
    text = live.smtp.to("priya.shah@nhs.net")[0].text
    assert f"Invoiced (invoice {paid['number']}) and paid: £555.00 including VAT" in text  # £300.00 + £255.00
    assert "PO-9911" in text and "of which VAT: £92.50 (net £462.50)" in text
    (event,) = [e for e in live.standin.events if e.type == "invoice.paid"]
    assert live.standin.resend(event.id).status == 200
    assert live.standin.resend(event.id, resign=True).status == 200
    assert len(live.smtp.received) == 4 and len(confirmed()) == 1
    stored = live.settings.store().get(body["booking_ref"])
    assert stored.state == State.CONFIRMED and stored.record.confirmation_sent and stored.record.fulfilled_at


def test_a_delegate_who_is_also_the_booker_gets_one_message(live):
    data = booking(2)
    data["delegates"][0]["email"] = data["contact"]["email"]
    live.book_card(data)
    received = live.wait_for_mail(3)
    assert sorted(r.rcpt_tos[0] for r in received) == [ORGANISERS, "delegate2@nhs.net", "priya.shah@nhs.net"]


def test_names_are_escaped_in_the_html_part_and_plain_in_the_text_part(live):
    data = booking(1)
    data["delegates"][0]["name"] = "Ann <b>Bold</b> & Co"
    live.book_card(data)
    message = live.wait_for_mail(2)[0]
    assert "Ann &lt;b&gt;Bold&lt;/b&gt; &amp; Co" in message.html and "<b>Bold</b>" not in message.html
    assert "Ann <b>Bold</b> & Co" in message.text


def test_when_the_mail_server_is_down_the_messages_wait_and_the_next_delivery_sends_each_once(live, confirmed):
    live.smtp.up = False
    live.book_card(booking(1))
    (delivery,) = [d for d in live.standin.deliveries if d.type == "checkout.session.completed"]
    assert delivery.status == 200  # the booking is confirmed; its e-mails wait in the outbox
    assert len(confirmed()) == 1 and live.smtp.received == []
    live.smtp.up = True
    assert live.standin.resend(delivery.event_id, resign=True).status == 200
    assert len(live.wait_for_mail(3)) == 3
    assert live.standin.resend(delivery.event_id, resign=True).status == 200
    assert len(live.smtp.received) == 3 and len(confirmed()) == 1


def test_without_smtp_the_messages_are_written_to_the_outbox(live, tmp_path):
    live.configure(smtp_url=None, mail_outbox=tmp_path / "outbox")
    body = live.book_card(booking(1))
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 3 and all(body["booking_ref"] in f.name for f in files)
    assert all(f.read_bytes().startswith(b"Subject: Booking confirmed") for f in files), files
    assert live.smtp.received == []


def test_with_no_mail_settings_the_booking_is_still_confirmed(live, confirmed, caplog):
    live.configure(smtp_url=None, mail_outbox=None)
    live.book_card(booking(1))
    assert len(confirmed()) == 1 and live.smtp.received == []
    # With nowhere to send them, the e-mails wait in the outbox (python -m bookings outbox lists them).
    assert len(live.settings.store().pending()) == 3


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:2525", ("smtp", "127.0.0.1", 2525, None, None)),
        (
            "smtp+starttls://user%40example.org:p%40ss%2Fword@smtp.example.org",
            ("smtp+starttls", "smtp.example.org", 587, "user@example.org", "p@ss/word"),
        ),
        ("smtps://apikey:secret@smtp.example.org", ("smtps", "smtp.example.org", 465, "apikey", "secret")),
        ("SMTP://relay.internal", ("smtp", "relay.internal", 25, None, None)),
    ],
)
def test_smtp_url_forms(url, expected):
    from adapters.mail.send import parse_smtp_url

    config = parse_smtp_url(url)
    assert (config.scheme, config.host, config.port, config.username, config.password) == expected


@pytest.mark.parametrize(
    "url", ["http://smtp.example.org", "smtp://", "smtp://host:notaport", "smtp://host/path", "smtp+ssl://host"]
)
def test_unusable_smtp_urls_stop_the_function_with_a_plain_reason(url):
    from functions.settings import Settings, SettingsError

    with pytest.raises(SettingsError) as error:
        Settings.from_env(
            {
                "STRIPE_SECRET_KEY": "sk_test_x",
                "STRIPE_WEBHOOK_SECRET": "whsec_x",
                "SITE_URL": "https://e.org",
                "SMTP_URL": url,
                "MAIL_FROM": "bookings@e.org",
            }
        )
    assert "SMTP_URL" in str(error.value) and "secret" not in str(error.value)


def test_smtp_url_without_mail_from_is_a_configuration_error():
    from functions.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="MAIL_FROM"):
        Settings.from_env(
            {
                "STRIPE_SECRET_KEY": "sk_test_x",
                "STRIPE_WEBHOOK_SECRET": "whsec_x",
                "SITE_URL": "https://e.org",
                "SMTP_URL": "smtp://127.0.0.1:25",
            }
        )


def test_the_email_shows_the_purchase_order_and_the_html_links_the_terms(live):
    _, invoice = live.book_invoice(booking(1, payment="invoice", purchase_order="PO-1"))
    _pay_invoice_on_its_page(invoice)
    message = live.wait_for_mail(2)[0]
    assert re.search(r'<a href="http://127\.0\.0\.1:\d+/terms/"', message.html)
    assert "PO-1" in message.html


def test_a_delegate_sees_only_their_own_place_and_the_booker_sees_everyone(live):
    live.book_card(booking(3))
    live.wait_for_mail(4)
    delegate = live.smtp.to("delegate2@nhs.net")[0]
    assert "delegate2@nhs.net" in delegate.text and "delegate1@nhs.net" not in delegate.text
    assert "delegate3@nhs.net" not in delegate.html and "Your place" in delegate.html
    booker = live.smtp.to("priya.shah@nhs.net")[0]
    assert all(f"delegate{i}@nhs.net" in booker.text for i in (1, 2, 3))


def test_the_email_signs_off_with_the_organisers_details_from_content(live):
    """organiser.yaml (the file the site and the CMS use; here the test site's): name, address and VAT number, and
    the reply address."""
    from pricing.organiser import load_organiser
    from tests.fixture_site import FIXTURE_ORGANISER

    details = FIXTURE_ORGANISER
    organiser = load_organiser(details)
    live.configure(organiser_path=details, contact_email=None)
    live.book_card(booking(1))
    received = live.wait_for_mail(1)[0]
    assert (
        received.text.replace("\r\n", "\n")
        .rstrip()
        .endswith("\n".join(["-- ", organiser.name, *organiser.address_lines, f"VAT number {organiser.vat_number}"]))
    )
    assert f"VAT number {organiser.vat_number}" in received.html
    assert received.message["Reply-To"] == organiser.bookings.email


def test_access_needs_are_in_the_organisers_copy_only(live):
    data = booking(2)
    data["delegates"][1]["access_needs"] = "Sign language, please"
    live.book_card(data)
    received = live.wait_for_mail(4)
    (organisers,) = live.smtp.to(ORGANISERS)
    assert "Access needs: Sign language, please" in organisers.text
    assert "Sign language, please" in organisers.html and "none given" in organisers.text
    assert organisers.message["Subject"].startswith("Booking confirmed (organisers' copy): ")
    for message in received:
        if message is not organisers:
            assert "Sign language, please" not in message.text + message.html, message.rcpt_tos


def test_the_booker_alone_gets_the_link_that_changes_delegates_and_each_delegate_one_for_their_own_needs(live):
    import re

    live.book_card(booking(2))
    live.wait_for_mail(4)
    links = re.compile(r"https?://\S+/api/bookings/manage\?t=[A-Za-z0-9_.-]+")
    (booker,) = live.smtp.to("priya.shah@nhs.net")
    assert "do not forward this e-mail" in booker.text
    (booker_link,) = set(links.findall(booker.text))
    seen = {booker_link}
    for address in ("delegate1@nhs.net", "delegate2@nhs.net"):
        (message,) = live.smtp.to(address)
        (own,) = set(links.findall(message.text))
        assert own not in seen  # a link of their own, for their own access needs
        seen.add(own)
        page = live.get(own)
        other = "delegate2@nhs.net" if address == "delegate1@nhs.net" else "delegate1@nhs.net"
        assert page.status == 200 and other not in page.text  # their own page shows nobody else
    (organisers,) = live.smtp.to(ORGANISERS)
    assert not links.findall(organisers.text)


def test_without_an_organisers_address_no_copy_is_sent(live):
    live.configure(contact_email=None)
    live.book_card(booking(1))
    assert sorted(r.rcpt_tos[0] for r in live.wait_for_mail(2)) == ["delegate1@nhs.net", "priya.shah@nhs.net"]
