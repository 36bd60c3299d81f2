"""The hosted test checkout page: what it shows, paying (signed webhook, redirect with the id), cancelling."""

from __future__ import annotations

import json
import re
import socket

import pytest
import requests
import stripe

from tests.standin.conftest import WEBHOOK_SECRET, valid_session
from tests.standin.pages import parse


@pytest.fixture
def session(client):
    return client.v1.checkout.sessions.create(params=valid_session())


def test_page_is_labelled_as_a_test_and_shows_items_total_and_email(session):
    response = requests.get(session.url, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = parse(response.text)
    text = " ".join(page.text)
    assert "Test checkout — no real payment is taken" in text
    assert "Delegate place — NHS (first delegate)" in text and "£265.50" in text
    assert "Delegate place — NHS (additional delegate, 15% off)" in text and "£53.10" in text
    assert "£318.60" in text
    assert "finance@example.org" in text
    assert page.button.strip() == "Pay £318.60"


def test_page_is_accessible_plain_html_without_scripts_or_third_parties(session):
    response = requests.get(session.url, timeout=5)
    page = parse(response.text)
    tags = [t for t, _ in page.tags]
    assert ("html", {"lang": "en-GB"}) in page.tags
    assert tags.count("main") == 1 and tags.count("h1") == 1
    assert "script" not in tags and "style" not in tags and "iframe" not in tags
    assert all("style" not in attrs and not any(a.startswith("on") for a in attrs) for _, attrs in page.tags)
    urls = [attrs.get("href") or attrs.get("src") or attrs.get("action") for _, attrs in page.tags]
    own = [u for u in urls if u and u != valid_session()["cancel_url"]]
    assert own and all(u.startswith("/") for u in own)  # same origin only
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    css = requests.get(f"{session.url.split('/checkout/')[0]}/assets/checkout.css", timeout=5)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    forms = [attrs for t, attrs in page.tags if t == "form"]
    assert forms == [{"method": "post", "action": f"/checkout/{session.id}/pay"}]


def test_cancel_and_return_goes_to_cancel_url_and_leaves_the_session_open(standin, session):
    page = parse(requests.get(session.url, timeout=5).text)
    assert page.links == {valid_session()["cancel_url"]: "Cancel and return"}
    assert standin.app.session(session.id)["status"] == "open"


def test_paying_posts_a_correctly_signed_webhook_and_redirects_with_the_session_id(standin, session, receiver):
    response = requests.post(f"{session.url}/pay", allow_redirects=False, timeout=10)
    assert response.status_code == 303
    assert response.headers["Location"] == (
        f"https://events.example.org/api/bookings/confirmation?session_id={session.id}"
    )
    [post] = receiver.posts
    assert post["path"] == "/api/stripe-webhook"
    event = stripe.Webhook.construct_event(post["body"], post["headers"]["Stripe-Signature"], WEBHOOK_SECRET)
    assert event.type == "checkout.session.completed" and event.object == "event"
    assert event.id.startswith("evt_") and event.livemode is False and event.api_version
    paid = event.data.object
    assert (paid.id, paid.status, paid.payment_status, paid.amount_total) == (session.id, "complete", "paid", 31860)
    assert paid.client_reference_id == "BK-7Q2M4X" and paid.metadata["booking_ref"] == "BK-7Q2M4X"
    assert paid.payment_intent.startswith("pi_")
    [delivery] = standin.deliveries
    assert (delivery.event_id, delivery.type, delivery.status) == (event.id, "checkout.session.completed", 200)


def test_the_signature_fails_with_another_secret(session, receiver):
    requests.post(f"{session.url}/pay", allow_redirects=False, timeout=10)
    [post] = receiver.posts
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(post["body"], post["headers"]["Stripe-Signature"], "whsec_someone_else")


def test_resend_replays_the_identical_signed_event(standin, session, receiver):
    standin.complete(session.id)
    [event] = standin.events
    delivery = standin.resend(event.id)
    assert delivery.status == 200
    first, second = receiver.posts
    assert (second["body"], second["headers"]["Stripe-Signature"]) == (
        first["body"],
        first["headers"]["Stripe-Signature"],
    )
    assert [d.event_id for d in standin.deliveries] == [event.id, event.id]
    resigned = standin.resend(event.id, resign=True)
    assert receiver.posts[2]["body"] == first["body"] and resigned.signature.startswith("t=")


def test_a_paid_session_says_so_instead_of_offering_to_pay_again(standin, session, receiver):
    requests.post(f"{session.url}/pay", allow_redirects=False, timeout=10)
    page = parse(requests.get(session.url, timeout=5).text)
    assert "already been paid" in " ".join(page.text)
    assert "Pay" not in page.button  # only the Dashboard's stand-in: refund
    assert {a["action"] for t, a in page.tags if t == "form"} == {f"/checkout/{session.id}/refund"}
    again = requests.post(f"{session.url}/pay", allow_redirects=False, timeout=10)
    assert again.status_code == 303 and again.headers["Location"] == f"/checkout/{session.id}"
    assert len(receiver.posts) == 1  # paying twice sends nothing more


def test_an_expired_session_says_so(standin, session):
    standin.expire(session.id)
    page = parse(requests.get(session.url, timeout=5).text)
    assert "has expired" in " ".join(page.text) and page.button == ""


def test_sessions_expire_when_their_time_is_up(standin, client, receiver):
    session = client.v1.checkout.sessions.create(params=valid_session())
    standin.app.clock = lambda: session.expires_at + 1
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    assert [d.type for d in standin.deliveries] == ["checkout.session.expired"]


def test_a_failing_webhook_receiver_does_not_break_the_redirect(receiver, client, standin):
    receiver.status = 500
    session = client.v1.checkout.sessions.create(params=valid_session())
    response = requests.post(f"{session.url}/pay", allow_redirects=False, timeout=10)
    assert response.status_code == 303
    assert [d.status for d in standin.deliveries] == [500]


def test_an_unreachable_webhook_receiver_is_recorded_not_raised(standin, client, receiver):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    standin.app.webhook_url = f"http://127.0.0.1:{closed_port}/api/stripe-webhook"
    session = client.v1.checkout.sessions.create(params=valid_session())
    response = requests.post(f"{session.url}/pay", allow_redirects=False, timeout=10)
    assert response.status_code == 303
    [delivery] = standin.deliveries
    assert delivery.status is None and "Connection" in (delivery.error or "")


def test_without_customer_email_the_page_asks_for_one(standin, client, receiver):
    params = valid_session()
    del params["customer_email"]
    session = client.v1.checkout.sessions.create(params=params)
    page = parse(requests.get(session.url, timeout=5).text)
    assert ("label", {"for": "email"}) in page.tags
    refused = requests.post(f"{session.url}/pay", data={"email": "nope"}, allow_redirects=False, timeout=10)
    assert refused.status_code == 400 and 'role="alert"' in refused.text
    paid = requests.post(f"{session.url}/pay", data={"email": "ops@example.org"}, allow_redirects=False, timeout=10)
    assert paid.status_code == 303
    assert json.loads(receiver.posts[0]["body"])["data"]["object"]["customer_details"]["email"] == "ops@example.org"


def test_unknown_checkout_is_a_404_page(standin):
    response = requests.get(f"{standin.url}/checkout/cs_test_unknown", timeout=5)
    assert response.status_code == 404 and "Checkout not found" in response.text


def test_faults_do_not_touch_the_hosted_page(standin, session):
    standin.fault("500", times=5)
    assert requests.get(session.url, timeout=5).status_code == 200
    assert len(standin.app.faults.pending()) == 1


def test_page_text_escapes_what_the_merchant_sent(client):
    params = valid_session()
    params["line_items"][0]["price_data"]["product_data"]["name"] = "<script>alert(1)</script>"
    session = client.v1.checkout.sessions.create(params=params)
    html = requests.get(session.url, timeout=5).text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert re.search(r"Pay £318\.60", html)
