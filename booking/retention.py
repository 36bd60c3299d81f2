"""The retention schedule applied to one booking, and one person's erasure: what stays, what goes. Pure: no I/O.

The schedule is the organiser's (content/organiser.yaml `retention:`, pricing.organiser.Retention); each period
runs from the event's date. What an anonymised booking keeps is what its counts and its money need: as many
delegates ("Delegate 1", "Delegate 2"...) with their organisations, the amounts, the invoice's number and the
buyer's organisation.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from booking.record import Attendee, BillingDetails, BookingRecord, Contact
from booking.text import canonical_address

if TYPE_CHECKING:
    from pricing.organiser import Retention


class Stage(StrEnum):
    """What the schedule removes, in the order it comes due."""

    ACCESS_NEEDS = "access_needs"  # delegates' access needs; the bodies of the e-mails sent about the booking
    DELEGATES = "delegates"  # delegates' names, e-mail addresses, job titles; the addresses messages went to
    SALE = "sale"  # the booker's name and address, the invoice contact's; the payer's customer record at Stripe


@dataclass(frozen=True)
class Schedule:
    """How long after the event each kind of data is kept (pricing.organiser.Retention's values)."""

    access_needs_days: int
    delegate_months: int
    sale_record_years: int

    @classmethod
    def of(cls, retention: Retention) -> Schedule:
        return cls(retention.access_needs_days, retention.delegate_months, retention.sale_record_years)

    def ends(self, event_day: date) -> dict[Stage, date]:
        """The first day on which each kind of data is no longer kept."""
        return {
            Stage.ACCESS_NEEDS: date.fromordinal(event_day.toordinal() + self.access_needs_days),
            Stage.DELEGATES: add_months(event_day, self.delegate_months),
            Stage.SALE: add_months(event_day, 12 * self.sale_record_years),
        }

    def due(self, event_day: date, today: date) -> frozenset[Stage]:
        """The stages whose period has ended by `today` (the organiser's, UK, date)."""
        return frozenset(stage for stage, end in self.ends(event_day).items() if today >= end)


def add_months(day: date, months: int) -> date:
    """`day` plus whole months (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def delegate_placeholder(position: int) -> str:
    return f"Delegate {position + 1}"


BOOKER_PLACEHOLDER = "Booking contact"


def anonymised(record: BookingRecord, stages: frozenset[Stage]) -> BookingRecord:
    """The record with what `stages` remove gone, and the stages noted (a stage already done changes nothing)."""
    delegates = list(record.delegates)
    update: dict[str, object] = {}
    if Stage.ACCESS_NEEDS in stages or Stage.DELEGATES in stages:
        delegates = [d.model_copy(update={"access_needs": ""}) for d in delegates]
    if Stage.DELEGATES in stages:
        delegates = [_anonymous(d, p) for p, d in enumerate(delegates)]
        update["mail_failures"] = ()
    update["delegates"] = tuple(delegates)
    if Stage.SALE in stages:
        update["contact"] = _anonymous_contact(record.contact)
        if record.billing is not None:
            update["billing"] = _anonymous_billing(record.billing, record.contact)
    update["anonymised"] = record.anonymised | {str(s) for s in stages}
    return record.model_copy(update=update)


def erased(record: BookingRecord, address: str) -> BookingRecord:
    """The record with every trace of the person at `address` gone: as a delegate, their name, address, job title
    and access needs; as the booker or the invoice contact, their name and address. Their organisation stays
    (it is the buyer's, on the VAT record) and so does their place (the counts and the money)."""
    wanted = canonical_address(address)
    mine = _mine(wanted)
    names = {d.name.casefold() for d in record.delegates if mine(d.email)}
    delegates = tuple(_anonymous(d, p) if mine(d.email) else d for p, d in enumerate(record.delegates))
    update: dict[str, object] = {"delegates": delegates}
    contact, billing = record.contact, record.billing
    if mine(contact.email):
        names.add(contact.name.casefold())
        update["contact"] = _anonymous_contact(contact)
    if billing is not None and (mine(billing.email) or billing.name.casefold() in names):
        update["billing"] = BillingDetails(
            name=contact.organisation or "Customer",
            email="" if mine(billing.email) else billing.email,
            address=billing.address,
        )
    failures = tuple(a for a in record.mail_failures if not mine(a))
    update["mail_failures"] = failures
    changed = record.model_copy(update=update)
    if changed == record:
        return record
    return changed.model_copy(update={"erasures": record.erasures + 1})


def names(record: BookingRecord, address: str) -> frozenset[str]:
    """The names the person at `address` has in the record (to find them in the text of its e-mails)."""
    mine = _mine(canonical_address(address))
    found = [d.name for d in record.delegates if mine(d.email)]
    if mine(record.contact.email):
        found.append(record.contact.name)
    return frozenset(n for n in found if n)


def _mine(wanted: str) -> Callable[[str], bool]:
    return lambda address: bool(address) and canonical_address(address) == wanted


def _anonymous(delegate: Attendee, position: int) -> Attendee:
    return Attendee(name=delegate_placeholder(position), email="", organisation=delegate.organisation)


def _anonymous_contact(contact: Contact) -> Contact:
    return Contact(name=BOOKER_PLACEHOLDER, email="", organisation=contact.organisation)


def _anonymous_billing(billing: BillingDetails, contact: Contact) -> BillingDetails:
    return BillingDetails(name=contact.organisation or "Customer", email="", address=billing.address)
