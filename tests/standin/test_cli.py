"""`python -m devtools.stripe_standin` runs the stand-in on its own and the SDK can talk to it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.standin.conftest import valid_session


def test_cli_serves_the_api_and_says_payments_are_simulated(repo_root, receiver):
    env = dict(os.environ, PYTHONPATH=str(repo_root))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devtools.stripe_standin",
            "--port",
            "0",
            "--webhook-url",
            receiver.url + "/hook",
            "--tax-rate",
            "txr_vat20:20:inclusive",
        ],
        cwd=repo_root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        assert "payments are simulated" in banner
        base = re.search(r"http://127\.0\.0\.1:\d+", banner).group(0)
        import stripe

        client = stripe.StripeClient(
            "sk_test_cli", base_addresses={"api": base}, http_client=stripe.RequestsClient(timeout=5)
        )
        params = valid_session()
        params["line_items"][0]["tax_rates"] = ["txr_vat20"]
        session = client.v1.checkout.sessions.create(params=params)
        assert session.amount_total == 31860 and session.url.startswith(base + "/checkout/")
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def test_cli_refuses_a_malformed_tax_rate(repo_root):
    result = subprocess.run(
        [sys.executable, "-m", "devtools.stripe_standin", "--port", "0", "--tax-rate", "txr_x:twenty:inclusive"],
        cwd=repo_root,
        env=dict(os.environ, PYTHONPATH=str(repo_root)),
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2 and "--tax-rate" in result.stderr
