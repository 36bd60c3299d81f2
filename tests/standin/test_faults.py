"""Switchable faults, seen through the SDK's own retries (max_network_retries) and the stand-in's request log."""

from __future__ import annotations

import contextlib
import threading

import pytest
import requests
import stripe

from devtools.stripe_standin.testing import running_standin
from tests.standin.conftest import valid_session
from tests.waiting import wait_until


def _create(client):
    return client.v1.checkout.sessions.create(params=valid_session(), options={"idempotency_key": "booking-fault"})


def test_a_500_is_retried_with_the_same_idempotency_key_and_succeeds(standin):
    standin.fault("500")
    session = _create(standin.client(max_network_retries=2))
    log = standin.requests
    assert [(r.status, r.fault) for r in log] == [(500, "500"), (200, None)]
    assert {r.idempotency_key for r in log} == {"booking-fault"}
    assert [s["id"] for s in standin.sessions()] == [session.id]


def test_500s_beyond_the_retries_raise_api_error_and_create_nothing(standin):
    standin.fault("500", times=3)
    with pytest.raises(stripe.APIError) as caught:
        _create(standin.client(max_network_retries=2))
    assert caught.value.http_status == 500
    assert caught.value.json_body["error"]["type"] == "api_error"
    assert [r.status for r in standin.requests] == [500, 500, 500]
    assert standin.sessions() == []


def test_a_dropped_connection_is_retried_and_succeeds(standin):
    standin.fault("drop")
    session = _create(standin.client(max_network_retries=1))
    assert [(r.status, r.fault) for r in standin.requests] == [(None, "drop"), (200, None)]
    assert [s["id"] for s in standin.sessions()] == [session.id]


def test_dropped_connections_beyond_the_retries_raise_api_connection_error(standin):
    standin.fault("drop", times=2)
    with pytest.raises(stripe.APIConnectionError):
        _create(standin.client(max_network_retries=1))
    assert [r.fault for r in standin.requests] == ["drop", "drop"]
    assert standin.sessions() == []


def test_a_timeout_after_stripe_acted_is_retried_and_the_key_returns_the_same_session(standin):
    standin.fault("timeout", delay=2)
    session = _create(standin.client(max_network_retries=1, timeout=0.5))
    first, second = standin.requests
    assert (first.fault, second.fault, second.replayed) == ("timeout", None, True)
    assert [s["id"] for s in standin.sessions()] == [session.id]


def test_a_timeout_without_retries_raises_but_the_session_exists_as_it_would_at_stripe(standin):
    standin.fault("timeout", delay=600)
    with pytest.raises(stripe.APIConnectionError):
        _create(standin.client(max_network_retries=0, timeout=0.5))
    # The client gave up on its own timeout: one attempt, still held unanswered by the stand-in when it raised.
    [held] = standin.requests
    assert (held.fault, held.status) == ("timeout", None)
    assert len(standin.sessions()) == 1


def test_an_unprocessed_timeout_creates_nothing(standin):
    standin.fault("timeout", delay=1, processed=False)
    with pytest.raises(stripe.APIConnectionError):
        _create(standin.client(max_network_retries=0, timeout=0.3))
    assert standin.sessions() == []


def test_times_counts_down_one_per_request(standin):
    standin.fault("500", times=2)
    client = standin.client(max_network_retries=0)
    for _ in range(2):
        with pytest.raises(stripe.APIError):
            client.v1.checkout.sessions.list()
    assert client.v1.checkout.sessions.list().object == "list"
    assert [r.status for r in standin.requests] == [500, 500, 200]


def test_faults_queue_in_the_order_they_were_set(standin):
    standin.fault("500")
    standin.fault("drop")
    session = _create(standin.client(max_network_retries=2))
    assert [r.fault for r in standin.requests] == ["500", "drop", None]
    assert session.status == "open"


def test_stopping_releases_a_held_response_instead_of_waiting_for_it():
    answers: list[int] = []
    with running_standin() as handle:
        handle.fault("timeout", delay=3600)
        url = f"{handle.api_base}/v1/checkout/sessions"

        def held_request() -> None:
            with contextlib.suppress(requests.RequestException):
                answers.append(
                    requests.get(url, headers={"Authorization": "Bearer sk_test_x1"}, timeout=3600).status_code
                )

        worker = threading.Thread(target=held_request, daemon=True)
        worker.start()
        wait_until(lambda: handle.requests, timeout=30, what="the stand-in to receive the request")
        assert handle.requests[0].status is None  # held, not answered
    # Stopping let the held request go: it was answered (processed, so 200) long before its hour was up.
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert [(r.fault, r.status) for r in handle.requests] == [("timeout", 200)]
    assert answers == [200]


def test_unknown_fault_kinds_are_refused(standin):
    with pytest.raises(ValueError):
        standin.fault("slow")


def test_drop_also_works_when_a_plain_wsgiref_server_mounts_the_standin_like_the_dev_server():
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from devtools.stripe_standin.app import StandIn
    from devtools.stripe_standin.server import mount

    class Quiet(WSGIRequestHandler):
        def log_message(self, format, *args):
            pass

    class Threaded(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    server = make_server("127.0.0.1", 0, lambda e, s: [], server_class=Threaded, handler_class=Quiet)
    base = f"http://127.0.0.1:{server.server_address[1]}/_stripe"
    app = StandIn(base, None, "whsec_x")
    server.set_app(mount(app, "/_stripe"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        app.fault("drop")
        client = stripe.StripeClient(
            "sk_test_dev",
            base_addresses={"api": base},
            max_network_retries=1,
            http_client=stripe.RequestsClient(timeout=5),
        )
        session = client.v1.checkout.sessions.create(params=valid_session())
        assert [(r.status, r.fault) for r in app.requests] == [(None, "drop"), (200, None)]
        assert session.url == f"{base}/checkout/{session.id}"
    finally:
        app.close()
        server.shutdown()
        server.server_close()


def test_a_processed_500_leaves_the_session_and_the_retry_gets_it_back(standin):
    standin.fault("500", processed=True)
    session = _create(standin.client(max_network_retries=1))
    assert [(r.status, r.replayed) for r in standin.requests] == [(500, False), (200, True)]
    assert [s["id"] for s in standin.sessions()] == [session.id]
