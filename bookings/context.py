"""What every back-office command reads from outside, read once: Stripe, the fee table, event facts, mail, organiser.

Each problem is a CliError: one line for the organiser and an exit status, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.content.events import EventFacts, event_facts
from pricing import DEFAULT_FEES_PATH, FeeTable, FeeTableError, load_fee_table

ROOT = Path(__file__).resolve().parent.parent
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class CliError(Exception):
    """A one-line reason to stop, and the exit status."""

    def __init__(self, message: str, status: int = 2):
        self.status = status
        super().__init__(message)


def check_slug(event: str) -> None:
    if not SLUG.match(event):
        raise CliError(
            f"'{event[:80]}' is not an event slug: use the name from content/fees.yaml, like caldicott-police-2027"
        )


def stripe_client(environ: Mapping[str, str], command: str = "export") -> tuple[Any, str]:
    """The SDK client for STRIPE_SECRET_KEY (and STRIPE_API_BASE, for the local stand-in), and where it points."""
    key = environ.get("STRIPE_SECRET_KEY", "").strip()
    if not key:
        raise CliError(
            "STRIPE_SECRET_KEY is not set: export the Stripe secret (or restricted) key first, "
            f"e.g. STRIPE_SECRET_KEY=rk_live_... python -m bookings {command} EVENT"
        )
    if not key.startswith(("sk_", "rk_")):
        raise CliError("STRIPE_SECRET_KEY does not look like a Stripe key (sk_... or rk_...)")
    import stripe

    base = environ.get("STRIPE_API_BASE", "").strip().rstrip("/")
    return stripe.StripeClient(
        key,
        base_addresses={"api": base} if base else None,
        max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=20),
    ), base or "https://api.stripe.com"


def stripe_errors(where: str, call: Callable[[], Any]) -> Any:
    """Run a Stripe call, turning the SDK's errors into one line the organiser can act on."""
    import stripe

    try:
        return call()
    except stripe.AuthenticationError:
        raise CliError(
            "Stripe refused STRIPE_SECRET_KEY: check the key (and that it is for the right account and mode)"
        ) from None
    except stripe.PermissionError:
        raise CliError(
            "the Stripe key may not read (or, to record what was sent, write) PaymentIntents and Invoices: "
            "give the restricted key that access"
        ) from None
    except stripe.APIConnectionError:
        raise CliError(
            f"cannot reach Stripe at {where}: check the network (or that the local stand-in is running)", 3
        ) from None
    except stripe.StripeError as exc:
        raise CliError(f"Stripe answered with an error: {exc.user_message or type(exc).__name__}", 3) from None


def fees_path(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("FEES_PATH") or DEFAULT_FEES_PATH)


def load_fees(environ: Mapping[str, str]) -> FeeTable | None:
    try:
        return load_fee_table(fees_path(environ))
    except FeeTableError:
        return None


def event_file(environ: Mapping[str, str], event: str) -> Path:
    """content/events/<slug>.md beside the fee table, where the function reads it too."""
    return fees_path(environ).parent / "events" / f"{event}.md"


def known_event(environ: Mapping[str, str], event: str) -> EventFacts:
    """The event's facts from its Markdown header; CliError if neither the fee table nor an event file knows it."""
    check_slug(event)
    fees = load_fees(environ)
    path = event_file(environ, event)
    if not path.is_file():
        if fees is not None and event in fees.events:
            raise CliError(f"{path} is missing: the event is in the fee table but has no page")
        names = ", ".join(sorted(fees.events)) if fees is not None else "(fee table unreadable)"
        raise CliError(f"unknown event '{event}': there is no {path} (events: {names})")
    facts = event_facts(event, path.parent)
    if facts.day is None:
        raise CliError(f"{path}: Date: missing or not a date like 2027-09-14")
    return facts


@dataclass(frozen=True)
class Organiser:
    """Who the e-mails and certificates come from: ORGANISER_NAME and CONTACT_EMAIL, else the site's own settings."""

    name: str
    email: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str], details: Path | None = None) -> Organiser:
        """ORGANISER_NAME and CONTACT_EMAIL when set, else content/organiser.yaml (the file the site reads)."""
        from pricing.organiser import DEFAULT_ORGANISER_PATH, load_organiser

        name = environ.get("ORGANISER_NAME", "").strip()
        email = environ.get("CONTACT_EMAIL", "").strip()
        if not (name and email):
            try:
                site = load_organiser(details or DEFAULT_ORGANISER_PATH)
            except FeeTableError as exc:
                if not name:
                    raise CliError(f"ORGANISER_NAME is not set, and {exc.problems[0]}") from None
            else:
                name, email = name or site.name, email or str(site.bookings.email)
        return cls(name, email)


@dataclass(frozen=True)
class MailSettings:
    smtp_url: str | None
    mail_from: str
    outbox: Path | None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> MailSettings:
        from adapters.mail.compose import DEFAULT_FROM
        from adapters.mail.send import MailConfigError, parse_smtp_url

        smtp_url = environ.get("SMTP_URL", "").strip() or None
        outbox = environ.get("MAIL_OUTBOX", "").strip() or None
        mail_from = environ.get("MAIL_FROM", "").strip()
        if smtp_url:
            try:
                parse_smtp_url(smtp_url)
            except MailConfigError as exc:
                raise CliError(f"SMTP_URL {exc}") from None
            if not mail_from:
                raise CliError("MAIL_FROM must be set with SMTP_URL: the sender, like Bookings <bookings@example.org>")
        elif not outbox:
            raise CliError(
                "no SMTP_URL or MAIL_OUTBOX is set: set SMTP_URL and MAIL_FROM to send, "
                "or MAIL_OUTBOX=outbox to write the messages as .eml files (or use --dry-run)"
            )
        return cls(smtp_url, mail_from or DEFAULT_FROM, Path(outbox) if outbox else None)


def uk_now(now: Callable[[], datetime]) -> datetime:
    from zoneinfo import ZoneInfo

    return now().astimezone(ZoneInfo("Europe/London"))
