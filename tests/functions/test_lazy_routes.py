"""Routing imports only the matched route's module: a booking's cold start does not load the webhook or e-mail code."""

from __future__ import annotations

from functions.app import ROUTES, handler_for
from tests.functions.conftest import modules_loaded_by_an_invalid_booking


def test_every_route_names_a_handler_that_exists():
    for path, (methods, target) in ROUTES.items():
        assert methods.split() and set(methods.split()) <= {"GET", "POST"}, path
        assert callable(handler_for(target)), target


def test_a_booking_loads_neither_the_webhook_nor_the_confirmation_code(repo_root):
    unwanted = (
        "functions.webhook",
        "functions.confirmation",
        "functions.fulfilment",
        "adapters.mail.send",
        "smtplib",
        "stripe",
    )
    assert modules_loaded_by_an_invalid_booking(repo_root, unwanted) == []
