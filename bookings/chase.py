"""`python -m bookings chase [--dry-run] [--at "YYYY-MM-DD HH:MM"]`: payment reminders for unpaid invoices.

Every invoice booking of the fee table's events whose invoice is unpaid gets the reminder the schedule
(`invoice_reminders` in content/fees.yaml, days from the due date) says is due today, once. The invoice is read
back from Stripe first (STRIPE_SECRET_KEY, and STRIPE_API_BASE for the local stand-in): one paid, voided or
credited meanwhile gets no reminder, and its booking catches up. `--dry-run` lists who would be reminded and
changes nothing. Addresses are shown here, on the organiser's terminal, and never logged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from bookings.context import (
    CliError,
    MailSettings,
    Organiser,
    event_file,
    fees_path,
    load_fees,
    open_store,
    store_errors,
    uk_now,
)
from pricing import format_pence

if TYPE_CHECKING:
    import stripe

    from adapters.mail.compose import About
    from adapters.mail.send import MailSession
    from booking.life import Booking


@dataclass(frozen=True)
class StripeAccess:
    """The back office's Stripe client settings (adapters.payments.client.StripeSettings)."""

    stripe_secret_key: str
    stripe_api_base: str | None
    stripe_max_network_retries: int = 2
    stripe_timeout_seconds: float = 10.0


def stripe_client(environ: Mapping[str, str]) -> stripe.StripeClient:
    from adapters.payments.client import client

    key = environ.get("STRIPE_SECRET_KEY", "").strip()
    if not key.startswith(("sk_", "rk_")):
        raise CliError(
            "STRIPE_SECRET_KEY is not set: chasing reads each invoice back from Stripe before reminding anyone "
            "(a restricted key that can read invoices and credit notes is enough)"
        )
    return client(StripeAccess(key, environ.get("STRIPE_API_BASE", "").strip() or None))


def chase(
    dry_run: bool,
    environ: Mapping[str, str],
    stdout: TextIO,
    stderr: TextIO,
    now: Callable[[], datetime],
) -> int:
    from adapters.content.events import event_facts
    from adapters.mail.compose import About, Letterhead, Payment, organiser_details
    from flows import chase as chasing
    from flows.advance import Mail
    from flows.payments import deliver_all

    fees = load_fees(environ)
    if fees is None:
        raise CliError("content/fees.yaml cannot be read: run `make build` to see what is wrong with it")
    moment = now()
    today = uk_now(lambda: moment).date().isoformat()
    at = moment.astimezone(UTC).isoformat(timespec="seconds")
    events = sorted(fees.events)
    store = open_store(environ)
    if dry_run and not environ.get("STRIPE_SECRET_KEY", "").strip():
        with store_errors(store):
            reminders = chasing.due(store, events, today, fees.invoice_reminders)
        for r in reminders:
            print(f"{r.ref}  {r.event}  reminder {r.day:+d}  {_late(r.days_overdue)}", file=stdout)
        print(f"{len(reminders)} reminders due on {today} (dry run, invoices not read from Stripe)", file=stdout)
        return 0
    api = stripe_client(environ)
    mail_settings = None if dry_run else MailSettings.from_env(environ)
    organiser = Organiser.from_env(environ)

    def about(booking: Booking) -> About:
        record = booking.record
        facts = event_facts(record.event, event_file(environ, record.event).parent)
        payment = Payment(record.payment, record.gross_pence, invoice_number=record.invoice_number)
        return About(record=record, event=facts, payment=payment)

    with store_errors(store):
        # A dry run neither composes nor sends: its Mail is never used. Reminders sign off with the organiser's
        # name from content/organiser.yaml (beside the fee table), as the function's e-mails do.
        letterhead = Letterhead()
        if mail_settings is not None:
            details = organiser_details(fees_path(environ).with_name("organiser.yaml"))
            letterhead = replace(mail_settings.letterhead(organiser), organiser=details)
        mail = Mail(
            about=about,
            letterhead=letterhead,
            session=mail_settings.session if mail_settings else _nothing_sent,
        )
        run = chasing.chase(store, api, mail, events, fees.invoice_reminders, today=today, at=at, dry_run=dry_run)
        for r in run.reminders:
            who = ""
            stored = store.get(r.ref)
            if stored is not None:
                who = f"  to {stored.record.contact.email}"
            verb = "would send" if dry_run else "sent"
            print(
                f"{r.ref}  {r.event}  reminder {r.day:+d}  {_late(r.days_overdue)}  {format_pence(r.amount_pence)} due"
                f"  {verb}{who}",
                file=stdout,
            )
        for ref in run.settled:
            print(f"{ref}  paid, voided or credited at Stripe: no reminder", file=stdout)
        for ref in run.failed:
            print(f"bookings: {ref}: its invoice could not be read from Stripe; run chase again later", file=stderr)
        if dry_run:
            print(f"{len(run.reminders)} reminders due on {today} (dry run: nothing sent)", file=stdout)
            return 0
        done = deliver_all(store, mail)
    print(
        f"{len(run.reminders)} reminders written; mail sent {len(done.sent)}, refused {len(done.refused)}, "
        f"still waiting {len(done.waiting)}",
        file=stdout,
    )
    if done.waiting:
        print("bookings: run `python -m bookings outbox --retry` when the mail server is back", file=stderr)
    return 1 if run.failed or done.refused or done.waiting else 0


def _late(days: int) -> str:
    if days > 0:
        return f"overdue {days} day{'s' if days != 1 else ''}"
    if days == 0:
        return "due today"
    return f"due in {-days} day{'s' if days != -1 else ''}"


def _nothing_sent() -> MailSession:
    raise AssertionError("a dry run sends nothing")
