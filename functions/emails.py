"""The confirmation e-mails: one to the booker and one to each delegate, plain text and HTML, from theme/email/.

Templates only lay out; every amount is formatted here with pricing.format_pence from the amounts
recorded at booking time (booking.record), never worked out again.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from booking.record import Attendee, BookingRecord, Contact
from booking.text import ascii_address
from functions.event_facts import EventFacts
from pricing import format_pence

if TYPE_CHECKING:
    from jinja2 import Environment

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


def recipients(record: BookingRecord) -> list[tuple[Person, bool]]:
    """The booker first, then each delegate with a different address: one message per person per booking."""
    seen = {record.contact.email}
    result: list[tuple[Person, bool]] = [(record.contact, True)] if record.contact.email else []
    for delegate in record.delegates:
        if delegate.email and delegate.email not in seen:
            seen.add(delegate.email)
            result.append((delegate, False))
    return result


def recipient_address(person: Person) -> Address:
    """The To address as the mail server needs it: the domain in IDNA (`münchen.de` as `xn--mnchen-3ya.de`); a
    local part outside ASCII stays as it is and goes with SMTPUTF8 (accepted only where MAIL_SMTPUTF8 allows)."""
    name = " ".join(person.name.split())
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
    templates: Path = TEMPLATES,
) -> list[EmailMessage]:
    """Every confirmation message for one booking, ready to send."""
    env = template_environment(str(templates))
    text_template = env.get_template("confirmation.txt")
    html_template = env.get_template("confirmation.html")
    sender = mail_from or DEFAULT_FROM
    domain = sender.rsplit("@", 1)[-1].rstrip(">").strip() or "localhost"
    messages: list[EmailMessage] = []
    for person, is_booker in recipients(record):
        context = _context(record, event, payment, person, is_booker, site_url, contact_email, category_label)
        message = EmailMessage()
        message["Subject"] = subject(record, event)
        message["From"] = sender
        message["To"] = recipient_address(person)
        if contact_email:
            message["Reply-To"] = contact_email
        message["Message-ID"] = make_msgid(idstring=f"{record.ref}.{len(messages) + 1}", domain=domain)
        message["X-Booking-Ref"] = record.ref
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(text_template.render(**context))
        message.add_alternative(html_template.render(**context), subtype="html")
        messages.append(message)
    return messages
