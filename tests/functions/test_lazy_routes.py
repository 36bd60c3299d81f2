"""Routing imports only the matched route's module: a booking's cold start does not load the webhook or e-mail code."""

from __future__ import annotations

import json

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
        "flows.payments",
        "adapters.mail.send",
        "smtplib",
        "stripe",
    )
    assert modules_loaded_by_an_invalid_booking(repo_root, unwanted) == []


def test_in_lambda_an_invalid_booking_logs_through_powertools_without_loading_boto3_or_stripe(repo_root):
    import os
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from functions.lambda_handler import handler\n"
        "from tests.functions.conftest import lambda_event, JSON_HEADERS\n"
        "r = handler(lambda_event('POST', '/api/bookings', json.dumps({'event': 'x'}), JSON_HEADERS))\n"
        "assert r['statusCode'] == 422, r\n"
        "print(json.dumps(sorted(m for m in ('boto3', 'stripe', 'aws_lambda_powertools') if m in sys.modules)))\n"
    )
    environ = {
        **os.environ,
        "AWS_LAMBDA_FUNCTION_NAME": "event-booking-booking",
        "STRIPE_SECRET_KEY": "sk_test_lazy",
        "STRIPE_WEBHOOK_SECRET": "whsec_lazy",
        "SITE_URL": "https://events.example.org",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=repo_root, env=environ, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.splitlines()[-1]) == ["aws_lambda_powertools"]


# What only other routes, the back office or the scheduled run use: a card booking's cold start pays for none of it.
NOT_FOR_A_CARD_BOOKING = (
    "functions.quotes",
    "functions.manage",
    "functions.webhook",
    "functions.confirmation",
    "functions.invoice_request",
    "functions.invoice_confirmation",
    "flows.purchase",
    "flows.manage",
    "flows.payments",
    "flows.retention",
    "flows.scheduled",
    "flows.chase",
    "booking.retention",
    "adapters.documents",
    "adapters.mail.compose",
    "adapters.mail.send",
    "adapters.mail.outbox",
    "adapters.payments.invoices",
    "pricing.organiser",
    "jinja2",
    "smtplib",
    # The SDK's class for a Checkout Session (thousands of lines of nested types): the booking reads the id and
    # url from the JSON Stripe sent back instead.
    "stripe.checkout._session",
)


def test_a_card_booking_loads_none_of_the_other_routes_code(repo_root):
    """The import boundary of the cold start issue 20 measures: a valid card booking, stored and sent to Stripe's
    checkout, imports the store and Stripe but no quote, PO, manage, webhook, invoice, mail, PDF or retention code."""
    import subprocess
    import sys

    from devtools.stripe_standin.testing import running_standin
    from tests.functions.conftest import NOW, STORE

    code = (
        "import json, sys\n"
        "from functions.lambda_handler import handle_event\n"
        "from tests.functions import conftest\n"
        "conftest.STORE.update(json.loads(sys.argv[1]))\n"
        "settings = conftest.make_settings(stripe_api_base=sys.argv[2], stripe_timeout_seconds=10.0)\n"
        "body = json.dumps(conftest.booking())\n"
        "r = handle_event(conftest.lambda_event('POST', '/api/bookings', body, conftest.JSON_HEADERS), settings)\n"
        "assert r['statusCode'] == 201, r\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    with running_standin(clock=NOW.timestamp) as standin:  # Stripe's clock is the function's
        out = subprocess.run(
            [sys.executable, "-c", code, json.dumps(STORE), standin.api_base],
            cwd=repo_root,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        assert len(standin.requests) == 1  # the Checkout Session: the booking went all the way
    loaded = set(json.loads(out.stdout.splitlines()[-1]))
    assert {"boto3", "stripe", "flows.booking", "adapters.payments.checkout"} <= loaded
    assert sorted(loaded.intersection(NOT_FOR_A_CARD_BOOKING)) == []
