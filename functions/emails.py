"""The confirmation e-mails: one to the booker and one to each delegate, plain text and HTML, from theme/email/.

Templates only lay out; every amount is formatted here with pricing.format_pence from the amounts
recorded at booking time (booking.record), never worked out again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from booking.record import Attendee, BookingRecord, Contact
from booking.text import ascii_address
from functions.event_facts import EventFacts
from pricing import FeeTableError, format_pence
from pricing.organiser import Organiser, load_organiser

if TYPE_CHECKING:
    from jinja2 import Environment

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent.parent / "theme" / "email"
DEFAULT_FROM = "Bookings (local test) <bookings@localhost.localdomain>"


@dataclass(frozen=True)
class Payment:
    """How the booking was paid: method card|invoice|free (£0, a discount code), the amount in pence and the
    invoice if any (for a card payment, the paid invoice Stripe made as its VAT receipt)."""

    method: str
    amount_pence: int
    currency: str = "GBP"
    invoice_number: str = ""
    hosted_invoice_url: str = ""
    invoice_pdf: str = ""


@lru_cache(maxsize=2)
def template_environment(folder: str) -> Environment:
    """The Jinja2 environment for the e-mail templates in `folder` (theme/email/)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(folder),
        # HTML parts are escaped; the plain-text part is not HTML, so escaping would show &amp; to readers.
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


Person = Contact | Attendee


def organiser_details(path: Path | None) -> Organiser | None:
    """content/organiser.yaml (organiser.json in the bundle) for the messages' sign-off; None (logged) when
    unreadable: a confirmation still goes."""
    if path is None:
        return None
    try:
        return _organiser(str(path), path.stat().st_mtime_ns)
    except (OSError, FeeTableError) as exc:
        log.warning("organiser details not read from %s: %s", path, exc)
        return None


@lru_cache(maxsize=2)
def _organiser(path: str, _mtime_ns: int) -> Organiser:
    return load_organiser(path)


def recipients(record: BookingRecord) -> list[tuple[Person, bool]]:
    """The booker first, then each delegate with a different address: one message per person per booking."""
    seen = {record.contact.email}
    result: list[tuple[Person, bool]] = [(record.contact, True)] if record.contact.email else []
    for delegate in record.delegates:
        if delegate.email and delegate.email not in seen:
            seen.add(delegate.email)
            result.append((delegate, False))
    return result


class Addressee(Protocol):
    """Anyone with a name and an e-mail address (a delegate, the booker, the request's contact)."""

    @property
    def name(self) -> str: ...

    @property
    def email(self) -> str: ...


def display_name(name: str) -> str:
    """A person's name as it may stand in an address header: spaces collapsed, and every "=?" split, because
    "=?" opens an RFC 2047 encoded word that Python's email package (as the header is set) and mail readers
    would decode: the name `=?utf-8?q?Bcc=3A_z=40evil=2Eexample?=` would become `Bcc: z@evil.example`, a
    second address. Everything else a name may hold (quotes, commas, angle brackets) is quoted by the package."""
    return " ".join(name.split()).replace("=?", "= ?")


def recipient_address(person: Addressee) -> Address:
    """The To address as the mail server needs it: the domain in IDNA (`münchen.de` as `xn--mnchen-3ya.de`); a
    local part outside ASCII stays as it is and goes with SMTPUTF8 (accepted only where MAIL_SMTPUTF8 allows)."""
    name = display_name(person.name)
    local, _, domain = (ascii_address(person.email) or person.email).rpartition("@")
    if not local.isascii():
        local_ascii = ascii_address(f"x@{domain}")
        domain = local_ascii.rpartition("@")[2] if local_ascii else domain
    return Address(display_name=name, username=local, domain=domain)


def subject(record: BookingRecord, event: EventFacts) -> str:
    return " ".join(f"Booking confirmed: {event.title} ({record.ref})".split())


def _context(
    record: BookingRecord,
    event: EventFacts,
    payment: Payment,
    person: Person,
    is_booker: bool,
    site_url: str,
    contact_email: str | None,
    category_label: str,
    organiser: Organiser | None = None,
) -> dict[str, Any]:
    def money(pence: int) -> str:
        return format_pence(pence, payment.currency)

    amounts_known = bool(record.amounts) and record.gross_pence == payment.amount_pence
    return {
        "person": person,
        "is_booker": is_booker,
        "booker_is_delegate": any(d.email == record.contact.email for d in record.delegates),
        "record": record,
        "event": event,
        "event_url": f"{site_url}/events/{record.event}/",
        "terms_url": f"{site_url}/terms/",
        "category_label": category_label,
        "payment": payment,
        "total": money(payment.amount_pence),
        "net": money(record.net_pence) if amounts_known else "",
        "vat": money(record.vat_pence) if amounts_known else "",
        "contact_email": contact_email,
        "organiser": organiser,
    }


def build_messages(
    record: BookingRecord,
    event: EventFacts,
    payment: Payment,
    *,
    site_url: str,
    mail_from: str | None,
    contact_email: str | None,
    category_label: str,
    manage_url: str = "",
    templates: Path = TEMPLATES,
    organiser: Organiser | None = None,
) -> list[EmailMessage]:
    """Every confirmation message for one booking, ready to send: the booker (with the private `manage_url`), each
    delegate, and the organisers' copy to `contact_email`, the only one that shows access needs. `organiser`
    (content/organiser.yaml) signs them off with the organisation's name, address and VAT number."""
    mail = _Mail(record, event, payment, site_url, mail_from, contact_email, category_label, templates, organiser)
    messages: list[EmailMessage] = []
    for person, is_booker in recipients(record):
        extra = {"manage_url": manage_url if is_booker else ""}
        messages.append(mail.confirmation(person, is_booker, len(messages) + 1, extra))
    if contact_email and messages:  # a copy of what went out: nothing to copy for a booking with no one on it
        messages.append(mail.organisers(len(messages) + 1, changes=()))
    return messages


def change_messages(
    record: BookingRecord,
    changes: Sequence[Change],
    event: EventFacts,
    payment: Payment,
    *,
    site_url: str,
    mail_from: str | None,
    contact_email: str | None,
    category_label: str,
    templates: Path = TEMPLATES,
    organiser: Organiser | None = None,
) -> list[EmailMessage]:
    """After the booker changed delegates: each new delegate's confirmation, a short note to each person they
    replace, and the organisers' copy listing the changes."""
    mail = _Mail(record, event, payment, site_url, mail_from, contact_email, category_label, templates, organiser)
    messages: list[EmailMessage] = []
    for change in changes:
        if change.replaced:
            messages.append(mail.confirmation(change.after, False, len(messages) + 1, {"manage_url": ""}))
            messages.append(mail.replaced(change.before, len(messages) + 1))
    if contact_email:
        messages.append(mail.organisers(len(messages) + 1, changes))
    return messages


class Change(Protocol):
    """A delegate changed by the booker (functions.manage.Change)."""

    @property
    def number(self) -> int: ...

    @property
    def before(self) -> Attendee: ...

    @property
    def after(self) -> Attendee: ...

    @property
    def replaced(self) -> bool: ...


class _Mail:
    """Builds the messages about one booking, all from the same sender with the same context."""

    def __init__(
        self,
        record: BookingRecord,
        event: EventFacts,
        payment: Payment,
        site_url: str,
        mail_from: str | None,
        contact_email: str | None,
        category_label: str,
        templates: Path,
        organiser: Organiser | None = None,
    ):
        self.env = template_environment(str(templates))
        self.record = record
        self.event = event
        self.contact_email = contact_email
        self.sender = mail_from or DEFAULT_FROM
        self.domain = self.sender.rsplit("@", 1)[-1].rstrip(">").strip() or "localhost"
        self.base = _context(
            record, event, payment, record.contact, False, site_url, contact_email, category_label, organiser
        )

    def confirmation(self, person: Person, is_booker: bool, number: int, extra: dict[str, Any]) -> EmailMessage:
        context = {**self.base, "person": person, "is_booker": is_booker, **extra}
        return self._message(person, subject(self.record, self.event), "confirmation", context, number)

    def replaced(self, person: Person, number: int) -> EmailMessage:
        title = f"Your place has been given to someone else: {self.event.title} ({self.record.ref})"
        return self._message(person, title, "replaced", {**self.base, "person": person}, number)

    def organisers(self, number: int, changes: Sequence[Change]) -> EmailMessage:
        assert self.contact_email is not None
        what = "Booking changed" if changes else "Booking confirmed"
        title = f"{what} (organisers' copy): {self.event.title} ({self.record.ref})"
        context = {**self.base, "changes": list(changes)}
        return self._message(Contact(name="", email=self.contact_email), title, "organiser", context, number)

    def _message(self, to: Person, title: str, template: str, context: dict[str, Any], number: int) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = " ".join(title.split())
        message["From"] = self.sender
        message["To"] = recipient_address(to)
        if self.contact_email:
            message["Reply-To"] = self.contact_email
        message["Message-ID"] = make_msgid(idstring=f"{self.record.ref}.{number}", domain=self.domain)
        message["X-Booking-Ref"] = self.record.ref
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(self.env.get_template(f"{template}.txt").render(**context))
        message.add_alternative(self.env.get_template(f"{template}.html").render(**context), subtype="html")
        return message
