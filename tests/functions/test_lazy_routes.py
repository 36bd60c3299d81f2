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
        "flows.payments",
        "adapters.mail.send",
        "smtplib",
        "stripe",
    )
    assert modules_loaded_by_an_invalid_booking(repo_root, unwanted) == []


def test_in_lambda_an_invalid_booking_logs_through_powertools_without_loading_boto3_or_stripe(repo_root):
    import json
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
