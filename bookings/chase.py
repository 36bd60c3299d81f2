"""`python -m bookings chase [--dry-run] [--at "YYYY-MM-DD HH:MM"]`: payment reminders for unpaid invoices, and
purchase to pay's chasing of buyers.

First what the scheduled run does for purchase to pay (flows.purchase.sweep): quotations past their valid-until
lapse (their places come back), bookers whose PO is due get a reminder (`po_reminder_days`; the reminder carries
the private PO link, so it needs BOOKING_LINK_SECRET and SITE_URL as the function has them), and PO holds that
have ended release their places (the booker is told). Then every invoice booking of the fee table's events whose
invoice is unpaid gets the reminder the schedule (`invoice_reminders` in content/fees.yaml, days from the due
date) says is due today, once. The invoice is read back from Stripe first (STRIPE_SECRET_KEY, and
STRIPE_API_BASE for the local stand-in): one paid, voided or credited meanwhile gets no reminder, and its booking
catches up. `--dry-run` lists what would be done and changes nothing. Addresses are shown here, on the
organiser's terminal, and never logged.
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
from flows.advance import Mail
from pricing import FeeTable, format_pence

if TYPE_CHECKING:
    import stripe

    from adapters.mail.compose import About
    from adapters.mail.send import MailSession
    from adapters.store import BookingStore
    from booking.life import Booking
    from booking.record import BookingRecord
    from flows.purchase import Swept


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
    from flows.payments import deliver_all
    from flows.purchase import private_links

    fees = load_fees(environ)
    if fees is None:
        raise CliError("content/fees.yaml cannot be read: run `make build` to see what is wrong with it")
    moment = now()
    today = uk_now(lambda: moment).date().isoformat()
    at = moment.astimezone(UTC).isoformat(timespec="seconds")
    events = sorted(fees.events)
    store = open_store(environ)
    site_url = environ.get("SITE_URL", "").strip().rstrip("/")
    secret = environ.get("BOOKING_LINK_SECRET", "").strip() or None
    if dry_run and not environ.get("STRIPE_SECRET_KEY", "").strip():
        with store_errors(store):
            _purchase_to_pay(store, fees, _dry_mail(), moment, True, secret, stdout, stderr)
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
        links = private_links(record, site_url=site_url, secret=secret)  # a PO reminder's link to add the PO
        return About(record=record, event=facts, payment=payment, links=links)

    with store_errors(store):
        # A dry run neither composes nor sends: its Mail is never used. Reminders sign off with the organiser's
        # name from content/organiser.yaml (beside the fee table), as the function's e-mails do.
        letterhead = Letterhead()
        if mail_settings is not None:
            details = organiser_details(fees_path(environ).with_name("organiser.yaml"))
            letterhead = replace(mail_settings.letterhead(organiser), organiser=details, site_url=site_url)
        mail = Mail(
            about=about,
            letterhead=letterhead,
            session=mail_settings.session if mail_settings else _nothing_sent,
        )
        unsent = _purchase_to_pay(store, fees, mail, moment, dry_run, secret, stdout, stderr)
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
    return 1 if run.failed or done.refused or done.waiting or unsent else 0


def _purchase_to_pay(
    store: BookingStore,
    fees: FeeTable,
    mail: Mail,
    moment: datetime,
    dry_run: bool,
    secret: str | None,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """Run (or, dry, list) purchase to pay's sweep, one line for each booking it moves; the PO reminders that were
    due but not sent for want of the link secret are counted and returned."""
    from flows.purchase import sweep

    remind = secret is not None or dry_run
    swept = sweep(store, fees, mail, moment, dry_run=dry_run, remind=remind)
    unsent = [] if remind else sweep(store, fees, mail, moment, dry_run=True).reminded
    _report(store, swept, dry_run, stdout)
    print(
        f"purchase to pay: {len(swept.quotes_lapsed)} quotations lapsed, {len(swept.reminded)} PO reminders, "
        f"{len(swept.released)} PO holds ended" + (" (dry run: nothing changed)" if dry_run else ""),
        file=stdout,
    )
    if unsent or (dry_run and secret is None and swept.reminded):
        print(
            f"bookings: {len(unsent or swept.reminded)} PO reminders {'would not be' if dry_run else 'not'} sent: "
            "BOOKING_LINK_SECRET is not set (each carries the booker's private PO link: set it, and SITE_URL, "
            "as the function has them)",
            file=stderr,
        )
    return len(unsent)


def _report(store: BookingStore, swept: Swept, dry_run: bool, stdout: TextIO) -> None:
    """One line for each booking the sweep moved (or, dry, would move), with the booker's address."""
    lines: list[tuple[str, str]] = []
    for ref in swept.quotes_lapsed:
        record = _record(store, ref)
        places = len(record.delegates) if record else 0
        done = f"would lapse: {places} places would come back" if dry_run else f"lapsed: {places} places came back"
        lines.append(
            (ref, f"{record.event if record else ''}  quotation {record.quote_number if record else ''} {done}")
        )
    for ref in swept.reminded:
        record = _record(store, ref)
        to = record.contact.email if record else ""
        lines.append(
            (ref, f"{record.event if record else ''}  PO reminder {'would be sent' if dry_run else 'sent'} to {to}")
        )
    for ref in swept.released:
        record = _record(store, ref)
        places = len(record.delegates) if record else 0
        done = "would end: {} places would be released" if dry_run else "ended: {} places released"
        to = record.contact.email if record else ""
        lines.append((ref, f"{record.event if record else ''}  PO hold {done.format(places)}, booker told ({to})"))
    for ref, line in lines:
        print(f"{ref}  {line}", file=stdout)


def _record(store: BookingStore, ref: str) -> BookingRecord | None:
    stored = store.get(ref)
    return stored.record if stored is not None else None


def _dry_mail() -> Mail:
    """The Mail of a dry run: never used (nothing is written, so nothing is composed or sent)."""
    from adapters.mail.compose import Letterhead
    from flows.advance import Mail

    def nothing(booking: Booking) -> About:
        raise AssertionError("a dry run composes nothing")

    return Mail(about=nothing, letterhead=Letterhead(), session=_nothing_sent)


def _late(days: int) -> str:
    if days > 0:
        return f"overdue {days} day{'s' if days != 1 else ''}"
    if days == 0:
        return "due today"
    return f"due in {-days} day{'s' if days != -1 else ''}"


def _nothing_sent() -> MailSession:
    raise AssertionError("a dry run sends nothing")
