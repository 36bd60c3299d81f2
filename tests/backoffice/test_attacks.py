"""Issue 10's attacks, replayed over real HTTP against the function, the Stripe stand-in and aiosmtpd (SMTPUTF8)."""

from __future__ import annotations

import pytest

from tests.backoffice.conftest import ORGANISERS, booking


def _webhook_never_failed(live) -> bool:
    """Every delivery of the payment was acknowledged (None: the stand-in stopped waiting on a slow first answer)."""
    statuses = [d.status for d in live.standin.deliveries if d.type == "checkout.session.completed"]
    return bool(statuses) and all(s in (200, None) for s in statuses)


def test_an_international_domain_gets_its_confirmation_and_the_webhook_succeeds(live, confirmed):
    data = booking(1, tag="-idn")
    data["delegates"][0]["email"] = "juergen@münchen.de"
    live.book_card(data)
    assert _webhook_never_failed(live)
    received = live.wait_for_mail(2, timeout=20)
    assert [r.rcpt_tos for r in received if "xn--mnchen-3ya.de" in r.rcpt_tos[0]] == [["juergen@xn--mnchen-3ya.de"]]
    assert len(confirmed()) == 1


def test_a_local_part_outside_ascii_is_refused_at_booking_unless_the_server_offers_smtputf8(live):
    data = booking(1, tag="-utf8")
    data["delegates"][0]["email"] = "jürgen@münchen.de"
    refused = live.post_json(data)
    assert refused.status == 422
    (error,) = refused.json()["errors"]
    assert error["field"] == "delegates.0.email"
    assert "our mail service cannot deliver" in error["message"]
    assert live.standin.sessions() == []

    live.configure(mail_smtputf8=True)
    live.book_card(data)
    assert _webhook_never_failed(live)
    received = live.wait_for_mail(2, timeout=20)
    assert ["jürgen@xn--mnchen-3ya.de"] in [r.rcpt_tos for r in received]


def test_a_name_cannot_redirect_the_confirmation(live):
    data = booking(1, tag="-inject")
    data["delegates"][0] = {"name": "Mal <a@evil.example,b@evil.example> | x | y", "email": "x3@acme.co.uk"}
    live.book_card(data)
    received = live.wait_for_mail(2, timeout=20)
    recipients = [address for r in received for address in r.rcpt_tos]
    assert "x3@acme.co.uk" in recipients
    assert not any("evil.example" in address for address in recipients)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Ann\x00Bee", "control character"),
        ("Ann\r\nBcc: x@evil.example", "control character"),
        ("Ann\tBee", "control character"),
        ("Ann\x85Bee", "control character"),
        ("\u200b\u200b\u200b", "only spaces or invisible characters"),
        ("Ann \u202eeeB", "change the direction of the text"),
    ],
)
def test_control_and_invisible_characters_are_refused_with_the_field_named(live, name, words):
    data = booking(1, tag="-ctl")
    data["delegates"][0]["name"] = name
    response = live.post_json(data)
    assert response.status == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "delegates.0.name" and words in error["message"]
    assert live.standin.sessions() == []


def test_fixing_letter_case_and_booking_again_goes_through(live):
    first = booking(1, tag="-case")
    first["delegates"][0]["name"] = "sam lee"
    fixed = booking(1, tag="-case")
    fixed["delegates"][0]["name"] = "Sam Lee"
    assert live.post_json(first).status == 201
    again = live.post_json(fixed)
    assert again.status == 201, again.text
    names = {s["metadata"]["booking_ref"] for s in live.standin.sessions()}
    assert len(names) == 1 and len(live.standin.sessions()) == 2  # the same booking, its corrected session


def test_a_script_asking_for_twenty_invoices_gets_none_sent(live):
    for number in range(20):
        data = booking(1, payment="invoice", tag=f"-script{number}")
        data["billing"]["email"] = f"target{number}@victim.example"
        response = live.post_json(data)
        assert response.status == 201
    assert live.standin.app.billing.all_invoices() == []
    received = live.wait_for_mail(20)
    assert not any("victim.example" in address for r in received for address in r.rcpt_tos)
    assert all(str(r.message["Subject"]).startswith("Confirm your booking request") for r in received)


def test_following_the_link_twice_sends_one_invoice(live):
    body = live.post_json(booking(1, payment="invoice", tag="-twice")).json()
    link = live.confirmation_link(body["booking_ref"])
    page = live.get(link)
    assert page.status == 200 and "Confirm and send the invoice" in page.text
    assert live.standin.app.billing.all_invoices() == []  # looking at the link sends nothing
    from urllib.parse import parse_qs, urlencode, urlsplit

    from tests.functions.conftest import FORM_HEADERS, http

    token = parse_qs(urlsplit(link).query)["token"][0]
    answers = [
        http("POST", live.url + "/api/bookings/invoice/confirm", urlencode({"token": token}), FORM_HEADERS)
        for _ in range(2)
    ]
    assert [a.status for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    (invoice,) = live.standin.app.billing.all_invoices()
    assert live.standin.app.billing.sent[invoice["id"]] == 1
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = http("POST", live.url + "/api/bookings/invoice/confirm", urlencode({"token": tampered}), FORM_HEADERS)
    assert refused.status == 400


def test_a_payment_made_another_way_is_acknowledged_and_ignored(live, confirmed):
    api = live.standin.client()
    session = api.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "currency": "gbp",
            "success_url": "https://shop.example.org/thanks",
            "line_items": [
                {"quantity": 1, "price_data": {"currency": "gbp", "unit_amount": 1200, "product_data": {"name": "Mug"}}}
            ],
        }
    )
    live.standin.complete(session.id)
    (delivery,) = [d for d in live.standin.deliveries if d.type == "checkout.session.completed"]
    assert delivery.status == 200 and '"handled": false' in delivery.body
    assert confirmed() == [] and live.smtp.received == []
    assert live.get(f"/api/bookings/confirmation?session_id={session.id}").status == 404


def test_one_refused_recipient_never_stops_the_others_and_the_organiser_sees_it(live, confirmed):
    data = booking(2, tag="-refused")
    live.smtp.refused.add("delegate1-refused@nhs.net")
    live.book_card(data)
    assert _webhook_never_failed(live)
    received = live.wait_for_mail(3, timeout=20)  # the booker, delegate 2 and the organisers' copy
    assert sorted(r.rcpt_tos[0] for r in received if r.rcpt_tos[0] != ORGANISERS) == [
        "delegate2-refused@nhs.net",
        "priya.shah-refused@nhs.net",
    ]
