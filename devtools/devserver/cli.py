"""`python -m devtools.devserver [--port N] [--output DIR]`: decide real or simulated Stripe, print what that means, serve."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import sys
from collections.abc import MutableMapping
from pathlib import Path

from devtools.deploy.redirects import RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_SECONDS
from devtools.devserver.cms import LocalBackend, Rebuilder
from devtools.devserver.rate_limit import RateLimit
from devtools.devserver.schedule import SCHEDULE_ENV, ScheduledRuns, schedule_seconds
from devtools.devserver.server import STANDIN_PREFIX, DevApp, bind
from devtools.dynamodb.engine import Engine, EngineError
from devtools.dynamodb.engine import start as start_engine
from devtools.dynamodb.snapshot import LOCAL_CREDENTIALS, LOCAL_READ_TIMEOUT, LOCAL_REGION

HOST = "127.0.0.1"
BOOKINGS_TABLE = "bookings"
DEFAULT_BOOKINGS_DATA = Path(".dev-state") / "bookings.json"
RULE = "=" * 72


class DevConfigError(Exception):
    """The environment asks for something the dev server will not do (a live key, a missing secret)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.devserver", description="Serve the built site, /api/* and a local Stripe stand-in."
    )
    parser.add_argument(
        "--port", type=int, default=None, help="port on 127.0.0.1 (default: $PORT, else 8000; 0 picks a free one)"
    )
    parser.add_argument("--output", type=Path, default=Path("output"), help="the built site (default: output/)")
    parser.add_argument(
        "--content",
        type=Path,
        default=None,
        help="watch this content folder: rebuild the site after each change and serve the CMS's local backend"
        " for the repository around it (what `make dev` does)",
    )
    parser.add_argument(
        "--settings",
        type=Path,
        default=Path("pelicanconf.py"),
        help="Pelican settings for rebuilds (default: pelicanconf.py)",
    )
    parser.add_argument(
        "--rate-limit",
        type=_at_least_one,
        default=RATE_LIMIT_REQUESTS,
        metavar="N",
        help=f"/api/* requests a client may make per {RATE_LIMIT_WINDOW_SECONDS} s before it gets 429, as production's"
        f" proxy rule allows (default: {RATE_LIMIT_REQUESTS}, from devtools/deploy/redirects.py); tests that book"
        " many times a minute raise it",
    )
    parser.add_argument(
        "--schedule-seconds",
        type=_seconds,
        default=None,
        metavar="S",
        help=f"run the function's scheduled run every S seconds, as EventBridge Scheduler does in production "
        f"(default: ${SCHEDULE_ENV}, else 300); 0 turns it off",
    )
    return parser


def _seconds(text: str) -> float:
    try:
        return schedule_seconds(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number of seconds, 0 or more (0 turns it off)") from None


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1 (the dev server always applies a rate limit)")
    return value


def stripe_mode(environ: MutableMapping[str, str], port: int = 8000) -> str:
    """'simulated' (no key: use the stand-in) or 'test' (a sk_test_ key); refuse live keys."""
    key = environ.get("STRIPE_SECRET_KEY", "").strip()
    if not key:
        return "simulated"
    if key.startswith(("sk_live_", "rk_live_")):
        raise DevConfigError(
            "STRIPE_SECRET_KEY is a LIVE key. The dev server never takes real money: use a sk_test_ key, or unset it to simulate payments."
        )
    if not key.startswith(("sk_test_", "rk_test_")):
        raise DevConfigError("STRIPE_SECRET_KEY must be a test key (sk_test_...), or unset it to simulate payments.")
    if not environ.get("STRIPE_WEBHOOK_SECRET", "").strip():
        raise DevConfigError(
            "STRIPE_WEBHOOK_SECRET is not set. Run\n"
            f"  stripe listen --forward-to localhost:{port or 8000}/api/stripe-webhook\n"
            "and set STRIPE_WEBHOOK_SECRET to the whsec_... secret it prints."
        )
    return "test"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    port = args.port if args.port is not None else int(os.environ.get("PORT") or 8000)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("stripe").setLevel(logging.WARNING)
    environ = os.environ
    try:
        mode = stripe_mode(environ, port)
        every = args.schedule_seconds
        if every is None:
            every = schedule_seconds(environ.get(SCHEDULE_ENV))
    except ValueError:
        print(f"devserver: {SCHEDULE_ENV} must be a number of seconds, 0 or more (0 turns it off)", file=sys.stderr)
        return 2
    except DevConfigError as exc:
        print(f"devserver: {exc}", file=sys.stderr)
        return 2
    if not (args.output / "index.html").is_file():
        print(
            f"devserver: {args.output}/ has no index.html: run `make build` first (or pass --output DIR).",
            file=sys.stderr,
        )
        return 2
    try:
        server = bind(HOST, port)
    except OSError as exc:
        print(
            f"devserver: cannot listen on {HOST}:{port}: {exc.strerror}. Set PORT to another port, e.g. PORT=8001 make dev",
            file=sys.stderr,
        )
        return 2
    port = server.server_address[1]
    base = f"http://{HOST}:{port}"
    environ["SITE_URL"] = base  # success and cancel URLs must come back here, not to the live site
    standin = None
    if mode == "simulated":
        from devtools.stripe_standin.app import StandIn

        # An acceptance test that signs its own replays sets STRIPE_WEBHOOK_SECRET; otherwise a fresh one per run.
        secret = environ.get("STRIPE_WEBHOOK_SECRET", "").strip() or "whsec_" + secrets.token_hex(24)
        environ["STRIPE_SECRET_KEY"] = "sk_test_standin_" + secrets.token_hex(8)
        environ["STRIPE_WEBHOOK_SECRET"] = secret
        environ["STRIPE_API_BASE"] = base + STANDIN_PREFIX
        standin = StandIn(
            public_base=base + STANDIN_PREFIX, webhook_url=base + "/api/stripe-webhook", webhook_secret=secret
        )
    outbox = None
    if not environ.get("PROXY_SIGNATURE_SECRET", "").strip():
        # The dev server signs what it passes to the function, as Netlify's signed proxy rule does.
        environ["PROXY_SIGNATURE_SECRET"] = "dev-" + secrets.token_urlsafe(32)
    if not environ.get("BOOKING_LINK_SECRET", "").strip():
        # A fresh dev value per run: links from an earlier run stop working, as after a rotation in production.
        environ["BOOKING_LINK_SECRET"] = "dev-" + secrets.token_urlsafe(32)
    if not environ.get("SMTP_URL", "").strip():
        # No mail server: confirmation e-mails become .eml files to open in any mail program.
        outbox = Path(environ.get("MAIL_OUTBOX", "").strip() or "outbox").resolve()
        environ["MAIL_OUTBOX"] = str(outbox)
    backend = rebuilder = None
    cms_note = ""
    if args.content is not None:
        rebuilder = Rebuilder(args.content, args.output, args.settings)
        # Only the editor on this server's own address may use it: never a page that names another host.
        backend = LocalBackend(
            args.content.resolve().parent, args.content, hosts=(f"{HOST}:{port}", f"localhost:{port}")
        )
        cms_note = backend.start() or ""
        if cms_note:
            backend = None
    try:
        engine, bookings = start_store(environ)
    except EngineError as exc:
        print(f"devserver: {exc}", file=sys.stderr)
        if backend is not None:
            backend.stop()
        server.server_close()
        return 2
    server.set_app(DevApp(args.output, standin, backend, rebuilder, RateLimit(args.rate_limit)))
    print(
        banner(
            mode,
            base,
            args.output,
            outbox,
            cms=None if args.content is None else cms_note,
            rate_limit=args.rate_limit,
            bookings=bookings,
            schedule=every,
        ),
        flush=True,
    )
    scheduled = ScheduledRuns(every)
    # `kill` (as tests and process managers stop it) must stop decap-server too, as Ctrl+C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if rebuilder is not None:
            rebuilder.start()
        scheduled.start()
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        scheduled.stop()
        if rebuilder is not None:
            rebuilder.stop()
        if backend is not None:
            backend.stop()
        if engine is not None:
            engine.stop()
        server.server_close()
    return 0


def start_store(environ: MutableMapping[str, str]) -> tuple[Engine | None, str]:
    """Start the local DynamoDB engine (unless DYNAMODB_ENDPOINT names one) and point the function at it.

    Bookings are saved to BOOKINGS_DATA (default .dev-state/bookings.json) when the engine stops and loaded
    from it when it starts. Returns the engine (None if one was given) and where the bookings are kept.
    """
    environ.setdefault("AWS_REGION", LOCAL_REGION)
    if environ.get("DYNAMODB_ENDPOINT", "").strip():
        environ.setdefault("BOOKINGS_TABLE", BOOKINGS_TABLE)
        return None, f"table {environ['BOOKINGS_TABLE']} at {environ['DYNAMODB_ENDPOINT']} (DYNAMODB_ENDPOINT)"
    data = Path(environ.get("BOOKINGS_DATA", "").strip() or DEFAULT_BOOKINGS_DATA).resolve()
    engine = start_engine(table=BOOKINGS_TABLE, data=data)
    environ["BOOKINGS_TABLE"] = BOOKINGS_TABLE
    environ["DYNAMODB_ENDPOINT"] = engine.endpoint
    environ.setdefault("DYNAMODB_READ_TIMEOUT", LOCAL_READ_TIMEOUT)
    # The local engine checks no signature, but boto3 sends nothing without credentials: never real ones here.
    environ["AWS_ACCESS_KEY_ID"] = LOCAL_CREDENTIALS["aws_access_key_id"]
    environ["AWS_SECRET_ACCESS_KEY"] = LOCAL_CREDENTIALS["aws_secret_access_key"]
    environ.pop("AWS_SESSION_TOKEN", None)
    environ.pop("AWS_PROFILE", None)
    return engine, (
        f"a local DynamoDB at {engine.endpoint} (table {BOOKINGS_TABLE}),\n"
        f"  saved to {data} when the dev server stops and loaded from it at the next start"
    )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def banner(
    mode: str,
    base: str,
    output: Path,
    outbox: Path | None = None,
    cms: str | None = None,
    rate_limit: int = RATE_LIMIT_REQUESTS,
    bookings: str | None = None,
    schedule: float = 0.0,
) -> str:
    """What the dev server serves; `cms` is None without --content, "" when the CMS runs, else why not."""
    lines = [
        RULE,
        f"  Event site:        {base}/   (serving {output}/)",
        f"  Booking function:  {base}/api/bookings   (at most {rate_limit} requests a client per"
        f" {RATE_LIMIT_WINDOW_SECONDS} s, then 429)",
    ]
    if cms == "":
        lines += [
            f"  Editor (CMS):      {base}/admin/   (saves write content/; the site rebuilds after each change)",
        ]
    elif cms:
        lines += [f"  Editor (CMS):      off: {cms}"]
    if mode == "simulated":
        lines += [
            "",
            "  PAYMENTS ARE SIMULATED. No STRIPE_SECRET_KEY is set, so bookings go to a local",
            f'  test checkout at {base}{STANDIN_PREFIX}/ that takes no money. Press its "Pay"',
            "  button to complete a booking; the signed webhook is sent to this server. That page",
            "  lists every checkout and invoice: refund one or void an invoice as in Stripe's Dashboard.",
        ]
    else:
        lines += [
            "",
            "  Using REAL Stripe in TEST mode (sk_test_ key). Forward Stripe's webhooks here with:",
            f"    stripe listen --forward-to localhost:{base.rsplit(':', 1)[1]}/api/stripe-webhook",
            "  and pay with a test card such as 4242 4242 4242 4242.",
        ]
    if bookings is not None:
        lines += ["", f"  BOOKINGS are kept in {bookings}."]
    if schedule > 0:
        every = f"{schedule / 60:g} minutes" if schedule % 60 == 0 else f"{schedule:g} seconds"
        lines += [
            f"  SCHEDULED RUN every {every}, as in production: requests and quotations lapse, PO holds end,",
            f"  reminders go, the outbox is sent (one line when a run does something; {SCHEDULE_ENV}=0 turns it off).",
        ]
    else:
        lines += ["  SCHEDULED RUN off: `python -m bookings chase` and `outbox --retry` do its work by hand."]
    if outbox is not None:
        lines += ["", f"  E-MAILS ARE NOT SENT (no SMTP_URL): confirmations are written to {outbox}/"]
    lines += ["", "  Press Ctrl+C to stop.", RULE]
    return "\n".join(lines)
