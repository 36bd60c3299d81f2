"""One StripeClient per (key, API base, retries, timeout) for a warm Lambda; other settings get their own."""

from __future__ import annotations

from adapters.payments.client import client
from tests.functions.conftest import make_settings


def test_the_same_settings_reuse_one_client_and_different_ones_do_not():
    first = client(make_settings(stripe_api_base="http://127.0.0.1:9"))
    assert client(make_settings(stripe_api_base="http://127.0.0.1:9")) is first
    others = [
        client(make_settings(stripe_api_base="http://127.0.0.1:10")),
        client(make_settings(stripe_api_base="http://127.0.0.1:9", stripe_secret_key="sk_test_another_key")),
        client(make_settings(stripe_api_base="http://127.0.0.1:9", stripe_max_network_retries=0)),
        client(make_settings(stripe_api_base="http://127.0.0.1:9", stripe_timeout_seconds=2.5)),
    ]
    assert all(other is not first for other in others)
    assert len({id(other) for other in others}) == len(others)
