"""What every back-office command reads from outside, read once: the bookings table, the fee table, event facts,
mail, the organiser.

Each problem is a CliError: one line for the organiser and an exit status, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.content.events import EventFacts, event_facts
from pricing import DEFAULT_FEES_PATH, FeeTable, FeeTableError, load_fee_table

if TYPE_CHECKING:
    from adapters.mail.compose import Letterhead
    from adapters.mail.send import MailSession
    from adapters.store import BookingStore

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


STORE_HELP = 'docs/back-office.md, "Reaching the bookings"'


def open_store(environ: Mapping[str, str]) -> BookingStore:
    """The bookings table named by BOOKINGS_TABLE, reached with the organiser's AWS credentials (or the local
    engine at DYNAMODB_ENDPOINT); CliError when it is not configured."""
    from adapters.store import BookingStore

    if not environ.get("BOOKINGS_TABLE", "").strip():
        raise CliError(
            "BOOKINGS_TABLE is not set: export the bookings table's name first (the stack's BookingsTableName "
            f"output; `make dev` prints the local one), see {STORE_HELP}"
        )
    return BookingStore.from_env(environ)


@contextmanager
def store_errors(store: BookingStore) -> Iterator[None]:
    """Turn the store's failures into one line the organiser can act on (exit status 3: try again later)."""
    from adapters.store import StoreUnavailable

    try:
        yield
    except StoreUnavailable as exc:
        raise CliError(f"cannot use the bookings table {store.table}: {_store_reason(str(exc))}", 3) from None


def _store_reason(problem: str) -> str:
    if "NoCredentialsError" in problem or "PartialCredentialsError" in problem:
        return f"no AWS credentials were found; run `aws configure` with the back office's key ({STORE_HELP})"
    if "UnrecognizedClientException" in problem or "AccessDeniedException" in problem:
        return (
            "AWS refused the credentials; check the key (`aws configure`) and that the BackOfficePolicyArn policy is "
            f"attached to its user or role ({STORE_HELP})"
        )
    if "ResourceNotFoundException" in problem:
        return "there is no such table in this AWS region; check BOOKINGS_TABLE and AWS_REGION"
    if "Throttling" in problem or "ProvisionedThroughput" in problem or "RequestLimit" in problem:
        return "AWS is busy; run the command again in a minute"
    return f"it cannot be reached ({problem}); check the network (or, locally, that `make dev` is running)"


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

    def letterhead(self, organiser: Organiser) -> Letterhead:
        """Who the back office's messages are from and where replies go (composed by adapters.mail.compose)."""
        from adapters.mail.compose import Letterhead

        return Letterhead(sender=self.mail_from, organisers=organiser.email or None)

    def session(self) -> MailSession:
        from adapters.mail.send import MailSession

        return MailSession(self.smtp_url, self.outbox)


def uk_now(now: Callable[[], datetime]) -> datetime:
    from zoneinfo import ZoneInfo

    return now().astimezone(ZoneInfo("Europe/London"))
