"""Routing imports only the matched route's module: a booking's cold start does not load the webhook or e-mail code."""

from __future__ import annotations

import subprocess
import sys

from functions.app import ROUTES, _handler


def test_every_route_names_a_handler_that_exists():
    for path, (method, target) in ROUTES.items():
        assert method in ("GET", "POST"), path
        assert callable(_handler(target)), target


def test_a_booking_loads_neither_the_webhook_nor_the_confirmation_code(repo_root):
    code = (
        "import json, sys\n"
        "from functions.lambda_handler import handle_event\n"
        "from tests.functions.conftest import make_settings, lambda_event, JSON_HEADERS\n"
        "r = handle_event(lambda_event('POST', '/api/bookings', json.dumps({'event': 'x'}), JSON_HEADERS), make_settings())\n"
        "assert r['statusCode'] == 422, r\n"
        "print(sorted(m for m in ('functions.webhook', 'functions.confirmation', 'functions.fulfilment',"
        " 'functions.mailer', 'smtplib', 'stripe') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=repo_root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
