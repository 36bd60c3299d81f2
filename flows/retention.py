"""The retention schedule applied by itself (the scheduled run in production, `python -m bookings retention`
locally): each booking whose periods have ended is anonymised by one step of its life (life.Anonymised, written
by flows.advance), the bodies and addresses of its e-mails go when their purpose has passed, and the payer's
customer record at Stripe is deleted once the sale's records need not be kept. Twice is once: a booking already
anonymised for a stage is not touched again, a customer deleted already is not deleted again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from adapters.mail.compose import About, Letterhead
from adapters.store import OutboxItem, people
from booking import life
from booking.life import Booking
from booking.record import BookingRecord
from booking.retention import BOOKER_PLACEHOLDER, Schedule, Stage, anonymised, delegate_placeholder
from flows.advance import advance

if TYPE_CHECKING:
    import stripe

    from adapters.store import BookingStore, Stored

log = logging.getLogger("booking.flows.retention")

WHAT = {
    Stage.ACCESS_NEEDS: "delegates' access needs and the text of the e-mails sent",
    Stage.DELEGATES: "delegates' names, e-mail addresses and job titles, and the addresses e-mails went to",
    Stage.SALE: "the booker's name and e-mail address, the invoice contact's, and the payer's customer record at Stripe",
}
WHY_KEPT = {
    Stage.ACCESS_NEEDS: "retention.access_needs_days: to make the arrangements the delegate asked for",
    Stage.DELEGATES: "retention.delegate_months: CPD evidence may be asked for",
    Stage.SALE: "retention.sale_record_years: HMRC requires the records of a sale (at least six years)",
}
ALWAYS_KEPT = (
    "the number of places, the delegates' organisations, the amounts and the invoice's number: the delegate list's "
    "counts and the accounts need them, and they name no one"
)


@dataclass(frozen=True)
class Line:
    """One thing the report says about a booking: what changed (or stays) and why."""

    ref: str
    what: str
    why: str = ""

    def __str__(self) -> str:
        return f"{self.ref}  {self.what}" + (f"  ({self.why})" if self.why else "")


@dataclass
class Report:
    changed: list[Line] = field(default_factory=list)
    kept: list[Line] = field(default_factory=list)
    waiting: list[Line] = field(default_factory=list)  # could not be done now (Stripe down, a sender holds a message)
    bookings: int = 0
    untouched: int = 0  # bookings with nothing due


@dataclass(frozen=True)
class Job:
    """What the schedule needs from outside: the periods, each event's date, and Stripe (None: not reachable)."""

    schedule: Schedule
    event_day: Callable[[str], date | None]
    stripe: Callable[[], stripe.StripeClient] | None = None


NO_MAIL = Letterhead()


def no_mail(booking: Booking) -> About:
    raise RuntimeError("removing personal data sends no e-mail")  # life.Anonymised and life.Erased send nothing


def apply(store: BookingStore, bookings: Iterable[Stored], job: Job, now: datetime, *, dry_run: bool = False) -> Report:
    """Apply the schedule at `now` (aware; its UK date decides) to `bookings`; with `dry_run`, change nothing and
    report what would change."""
    from zoneinfo import ZoneInfo

    today = now.astimezone(ZoneInfo("Europe/London")).date()
    at = now.astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds")
    report = Report()
    for stored in bookings:
        report.bookings += 1
        record = stored.record
        day = job.event_day(record.event)
        if day is None:
            report.kept.append(
                Line(record.ref, "everything", f"the date of {record.event} is unknown: its page has no Date")
            )
            continue
        due = job.schedule.due(day, today)
        done = frozenset(Stage(s) for s in record.anonymised)
        todo = due - done
        messages = store.message_items(record.ref) if Stage.ACCESS_NEEDS in due else []
        if Stage.SALE in todo and not _stripe_cleared(record, job, report, dry_run):
            todo -= {Stage.SALE}
        if todo:
            _describe(record, todo, report)
            if not dry_run:
                # Once the delegates' period is over no address stays: the person items of each go with them.
                gone = _addresses(record, messages) if Stage.DELEGATES in todo else set()
                advance(
                    store, record.ref, life.Anonymised(frozenset(map(str, todo)), at), about=no_mail, letterhead=NO_MAIL
                )
                log.info("booking %s: personal data removed by the schedule (%s)", record.ref, ", ".join(sorted(todo)))
                for address in gone:
                    store.forget(address, record.ref)  # a no-op for an address the booking still names
        scrubbed = _messages(store, messages, due, report, dry_run, record.ref)
        if not todo and not scrubbed:
            report.untouched += 1
        ends = job.schedule.ends(day)
        for stage in sorted(Stage, key=list(Stage).index):
            if stage not in due and (todo or scrubbed):
                report.kept.append(
                    Line(record.ref, f"{WHAT[stage]}: kept until {ends[stage]:%d %B %Y}", WHY_KEPT[stage])
                )
        if todo:
            report.kept.append(Line(record.ref, ALWAYS_KEPT))
    return report


def _addresses(record: BookingRecord, messages: Iterable[OutboxItem]) -> set[str]:
    """Every address the booking names or has sent to (replaced delegates too): their person items go once the
    booking no longer names them."""
    return {*people(record), *(m.to for m in messages if m.to)}


def _describe(record: BookingRecord, todo: frozenset[Stage], report: Report) -> None:
    after = anonymised(record, todo)
    needs = sum(1 for a, b in zip(record.delegates, after.delegates, strict=True) if a.access_needs != b.access_needs)
    people = (
        sum(1 for p, d in enumerate(record.delegates) if d.email or d.job_title or d.name != delegate_placeholder(p))
        if Stage.DELEGATES in todo
        else 0
    )
    if needs:
        report.changed.append(Line(record.ref, f"access needs removed ({needs} delegate{'s' if needs != 1 else ''})"))
    if people:
        report.changed.append(
            Line(record.ref, f"{people} delegate{'s' if people != 1 else ''} anonymised (name, e-mail, job title)")
        )
    if Stage.SALE in todo and (record.contact.email or record.contact.name != BOOKER_PLACEHOLDER):
        report.changed.append(Line(record.ref, "booker and invoice contact anonymised (organisation kept)"))
    if not (needs or people) and Stage.SALE not in todo:
        report.changed.append(Line(record.ref, f"noted as past {', '.join(sorted(todo))} (nothing left to remove)"))


def _stripe_cleared(record: BookingRecord, job: Job, report: Report, dry_run: bool) -> bool:
    """Delete the payer's customer at Stripe (the invoice's, or the card payment's receipt's) once nothing is owed;
    False when it cannot be done now (Stripe not configured or unreachable, an invoice still open)."""
    from adapters.payments import privacy
    from adapters.payments.client import StripeUnavailable

    if not record.invoice_id:
        return True
    if job.stripe is None:
        report.waiting.append(
            Line(
                record.ref,
                "the customer record at Stripe",
                "Stripe is not configured: run again with STRIPE_SECRET_KEY",
            )
        )
        return False
    try:
        api = job.stripe()
        invoices = privacy.invoices_of(api, [record.invoice_id])
        if not invoices:
            return True
        invoice = invoices[0]
        customer = invoice.get("customer")
        if isinstance(customer, dict):
            customer = customer.get("id")
        if not customer:
            return True
        open_ones = privacy.unsettled(api, str(customer))
        if open_ones:
            report.waiting.append(
                Line(
                    record.ref,
                    f"the customer record at Stripe ({customer})",
                    f"invoice {', '.join(open_ones)} is unpaid",
                )
            )
            return False
        found = privacy.customer_of(api, str(customer))
        if found is None or found.get("deleted"):
            return True
        if not dry_run:
            privacy.delete_customer(api, str(customer))
            log.info("booking %s: customer %s deleted at Stripe", record.ref, customer)
        report.changed.append(Line(record.ref, f"customer {customer} deleted at Stripe"))
        report.kept.append(
            Line(record.ref, f"invoice {invoice.get('number') or invoice.get('id')} at Stripe", privacy.KEPT_INVOICE)
        )
    except StripeUnavailable:
        report.waiting.append(
            Line(record.ref, "the customer record at Stripe", "Stripe could not be reached: the next run tries again")
        )
        return False
    return True


def _messages(
    store: BookingStore, messages: list[OutboxItem], due: frozenset[Stage], report: Report, dry_run: bool, ref: str
) -> int:
    """Once the access-needs period is over, the e-mails' purpose has passed: a sent one loses its text, an unsent
    one is withdrawn; after the delegates' period, the addresses they went to go too."""
    clear_to = Stage.DELEGATES in due
    count = 0
    for message in messages:
        body = bool(message.raw)
        recipient = clear_to and bool(message.to)
        withdraw = message.status == "pending"
        if not (body or recipient or withdraw):
            continue
        if dry_run or store.scrub_message(message, body=body, recipient=recipient, withdraw=withdraw):
            count += 1
        else:
            report.waiting.append(
                Line(ref, f"e-mail {message.message_id}", "being sent right now: the next run clears it")
            )
    if count:
        report.changed.append(
            Line(ref, f"{count} e-mail{'s' if count != 1 else ''} cleared (text{', address' if clear_to else ''})")
        )
    return count
