"""`python -m devtools.stripe_standin --port N --webhook-url URL`: the stand-in on its own, for poking at it by hand."""

from __future__ import annotations

import argparse
import os
import sys

from devtools.stripe_standin.app import StandIn
from devtools.stripe_standin.server import make_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.stripe_standin", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; keep it loopback)")
    parser.add_argument("--port", type=int, default=12111, help="port to listen on (default 12111, 0 = any free port)")
    parser.add_argument(
        "--webhook-url", default=None, help="where to POST signed events, e.g. http://127.0.0.1:8000/api/stripe-webhook"
    )
    parser.add_argument(
        "--webhook-secret",
        default=os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_test_standin"),
        help="signing secret (default: $STRIPE_WEBHOOK_SECRET or whsec_test_standin)",
    )
    parser.add_argument(
        "--tax-rate",
        action="append",
        default=[],
        metavar="ID:PERCENT:inclusive|exclusive",
        help="register a tax rate line items may name, e.g. txr_vat20:20:inclusive",
    )
    parser.add_argument("--access-log", action="store_true", help="print one line per request")
    args = parser.parse_args(argv)

    server = make_server(args.host, args.port, access_log=args.access_log)
    url = f"http://{args.host}:{server.server_address[1]}"
    app = StandIn(url, args.webhook_url, args.webhook_secret)
    for spec in args.tax_rate:
        rate_id, _, rest = spec.partition(":")
        percentage, _, behaviour = rest.partition(":")
        if not rate_id or behaviour not in ("inclusive", "exclusive") or not _is_percentage(percentage):
            parser.error(f"--tax-rate {spec}: write it as ID:PERCENT:inclusive or ID:PERCENT:exclusive")
        app.add_tax_rate(percentage, inclusive=behaviour == "inclusive", rate_id=rate_id)
    server.set_app(app)
    print(f"Local Stripe stand-in (payments are simulated, no real money moves) on {url}", flush=True)
    print(f"  point the SDK at it:  STRIPE_API_BASE={url}  STRIPE_SECRET_KEY=sk_test_anything", flush=True)
    print(f"  webhooks go to: {args.webhook_url or '(none: pass --webhook-url)'}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
        server.server_close()
    return 0


def _is_percentage(text: str) -> bool:
    try:
        return 0 <= float(text) <= 100
    except ValueError:
        return False


if __name__ == "__main__":
    sys.exit(main())
