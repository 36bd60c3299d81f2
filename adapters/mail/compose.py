"""Every e-mail the project sends, composed in one place from theme/email/ (plain text and HTML).

`compose()` turns one message a transition sends (booking.life.Send) into an EmailMessage for the outbox;
`envelope()` is the one place headers are built. Templates only lay out; every amount is formatted here with pricing.format_pence from the amounts
recorded at booking time (booking.record), never worked out again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from adapters.content.events import EventFacts
from booking.life import Kind, Send
from booking.record import Attendee, BookingRecord, Contact
from booking.text import ascii_address
from pricing import FeeTableError, format_pence, refund_vat
from pricing.organiser import Organiser, load_organiser

if TYPE_CHECKING:
    from jinja2 import Environment

log = logging.getLogger("booking.adapters.mail.compose")
TEMPLATES = Path(__file__).resolve().parents[2] / "theme" / "email"
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


class Addressee(Protocol):
    """Anyone with a name and an e-mail address (a delegate, the booker, the request's contact)."""

    @property
    def name(self) -> str: ...

    @property
    def email(self) -> str: ...


# What would make a display name need quoting ("(),:;<>@[\] and the double quote) or open an RFC 2047 encoded word
# ("=?"): Python's email package decodes `=?utf-8?q?Bcc=3A_z=40evil=2Eexample?=` into `Bcc: z@evil.example` as the
# header is set, and drops the quotes when it folds a long quoted name, so `..., z@evil.example` becomes an address.
_HEADER_SYNTAX = re.compile(r'[()<>\[\]:;@\\,"]|=\?')


def display_name(name: str) -> str:
    """A person's name as it may stand in an address header: each piece of header syntax a space, spaces collapsed.
    The name as typed is in the message's text; in the header it is only ever a name, never a second address."""
    return " ".join(_HEADER_SYNTAX.sub(" ", name).split())


def recipient_address(person: Addressee) -> Address:
    """The To address as the mail server needs it: the domain in IDNA (`münchen.de` as `xn--mnchen-3ya.de`); a
    local part outside ASCII stays as it is and goes with SMTPUTF8 (accepted only where MAIL_SMTPUTF8 allows)."""
    name = display_name(person.name)
    local, _, domain = (ascii_address(person.email) or person.email).rpartition("@")
    if not local.isascii():
        local_ascii = ascii_address(f"x@{domain}")
        domain = local_ascii.rpartition("@")[2] if local_ascii else domain
    return Address(display_name=name, username=local, domain=domain)


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
        "access_url": "",  # a delegate's own access-needs link (compose() fills it in)
    }


# --- One message per life.Send: the path every flow uses -------------------------------------------------------


@dataclass(frozen=True)
class Letterhead:
    """Who every message is from, where replies (and the organisers' copy) go, and how it signs off."""

    sender: str = DEFAULT_FROM
    organisers: str | None = None  # the organisers' address: Reply-To, and where their copies go
    site_url: str = ""
    organiser: Organiser | None = None
    templates: Path = TEMPLATES

    @property
    def domain(self) -> str:
        return self.sender.rsplit("@", 1)[-1].rstrip(">").strip() or "localhost"


@dataclass(frozen=True)
class About:
    """What a message about one booking needs besides the booking: the event, how it was paid, its links, and
    what a kind of message adds (`extra`: a refund's notice, a certificate's number, hours and PDF)."""

    record: BookingRecord
    event: EventFacts
    category_label: str = ""
    payment: Payment | None = None
    links: Mapping[str, str] = field(default_factory=dict)  # "manage" (the booker's), "request", "joining"
    extra: Mapping[str, Any] = field(default_factory=dict)


_SUBJECTS: dict[Kind, str] = {
    Kind.CONFIRMATION: "Booking confirmed: {title} ({ref})",
    Kind.ORGANISERS: "{what} (organisers' copy): {title} ({ref})",
    Kind.REPLACED: "Your place has been given to someone else: {title} ({ref})",
    Kind.CHANGED: "Your booking was changed: {title} ({ref})",
    Kind.REFUND: "{what}: {title} ({ref})",
    Kind.VOID: "Booking cancelled: {title} ({ref})",
    Kind.JOINING: "Joining instructions: {title}",
    Kind.CERTIFICATE: "Your CPD certificate: {title}",
    Kind.REQUEST: "Confirm your booking request: {title} ({ref})",
    Kind.LINK: "A new link to your booking: {title} ({ref})",
    Kind.QUOTE: "Your quotation {number}: {title} ({ref})",
    Kind.PO_LINK: "Add your purchase order: {title} ({ref})",
    Kind.PO_REMINDER: "Reminder: add your purchase order to keep your places: {title} ({ref})",
    Kind.PO_LAPSED: "Places released (no purchase order): {title} ({ref})",
    Kind.REMINDER: "{what}: {title} ({ref})",
    Kind.CREDIT_NOTE: "{what}: {title} ({ref})",
}
_TEMPLATES: dict[Kind, str] = {
    Kind.CONFIRMATION: "confirmation",
    Kind.ORGANISERS: "organiser",
    Kind.REPLACED: "replaced",
    Kind.CHANGED: "changed",
    Kind.REFUND: "cancellation",
    Kind.VOID: "cancellation",
    Kind.JOINING: "joining",
    Kind.CERTIFICATE: "certificate",
    Kind.REQUEST: "invoice_request",
    Kind.LINK: "link",
    Kind.QUOTE: "quote",
    Kind.PO_LINK: "po_link",
    Kind.PO_REMINDER: "po_link",
    Kind.PO_LAPSED: "po_lapsed",
    Kind.REMINDER: "reminder",
    Kind.CREDIT_NOTE: "credit_note",
}


def compose(send: Send, about: About, letterhead: Letterhead) -> EmailMessage | None:
    """The message `send` stands for, ready for the outbox; None for the organisers' copy when there is no
    organisers' address to send it to."""
    record = about.record
    to: Addressee
    if send.to is None:
        if not letterhead.organisers:
            return None
        to = Contact(name="", email=letterhead.organisers)
    else:
        to = send.to
    payment = about.payment or Payment(record.payment, record.gross_pence)
    context = {
        **_context(
            record,
            about.event,
            payment,
            send.to or record.contact,
            send.is_booker,
            letterhead.site_url,
            letterhead.organisers,
            about.category_label,
            letterhead.organiser,
        ),
        "delegate": send.to,
        "changes": list(send.changes),
        "manage_url": about.links.get("manage", "") if send.is_booker else "",
        "link": about.links.get(send.kind.value, ""),
        "access_url": access_link(send, about),
        **about.extra,
        # What differs from one delegate to the next (a certificate's number): extra["per_delegate"][position].
        **(about.extra.get("per_delegate") or {}).get(send.position, {}),
    }
    what = "Booking changed" if send.changes else "Booking confirmed"
    if send.kind in (Kind.REFUND, Kind.VOID):
        notice = cancellation_notice(send, record, payment)
        context["notice"] = notice
        what = "Booking cancelled and refunded" if notice.cancelled else "Refund for your booking"
    context["po_reminder"] = send.kind == Kind.PO_REMINDER
    context.setdefault("hold_until", _uk_moment(record.po_hold_until))
    if send.reminder is not None:
        reminder = reminder_notice(send, record, payment)
        context["reminder"] = reminder
        what = reminder.headline
    if send.credit is not None:
        credit = credit_notice(send, record, payment)
        context["credit"] = credit
        what = f"Credit note {credit.number}" + (", booking cancelled" if credit.cancelled else "")
    subject = _SUBJECTS[send.kind].format(
        title=about.event.title, ref=record.ref, what=what, number=record.quote_number
    )
    context["subject"] = " ".join(subject.split())
    message = envelope(to, context["subject"], send.message_id, letterhead)
    env = template_environment(str(letterhead.templates))
    template = _TEMPLATES[send.kind]
    message.set_content(env.get_template(f"{template}.txt").render(**context))
    message.add_alternative(env.get_template(f"{template}.html").render(**context), subtype="html")
    # A certificate's PDF, by delegate position: extra["attachments"] = {position: (filename, pdf bytes)}.
    attachments = about.extra.get("attachments") or {}
    if send.position in attachments:
        filename, pdf = attachments[send.position]
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    # A quotation's PDF: extra["quote_pdf"] = (filename, pdf bytes).
    if send.kind == Kind.QUOTE and about.extra.get("quote_pdf"):
        filename, pdf = about.extra["quote_pdf"]
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return message


def _uk_moment(stamp: str) -> str:
    """'17:00 on 20 January 2083' (UK time) from a record's stamp; "" for none."""
    if not stamp:
        return ""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(stamp).astimezone(ZoneInfo("Europe/London"))
    return f"{moment:%H:%M} on {moment.day} {moment:%B %Y}"


def access_link(send: Send, about: About) -> str:
    """A confirmation's link to the delegate's own access needs (about.links["access.<position>"]): in their own
    message, or in the booker's when the booker is that delegate (they get one message, not two)."""
    if send.kind != Kind.CONFIRMATION or send.to is None:
        return ""
    if send.position is not None:
        return about.links.get(f"access.{send.position}", "")
    if send.is_booker:
        mine = send.to.email.casefold()
        for position, delegate in enumerate(about.record.delegates):
            if delegate.email.casefold() == mine:
                return about.links.get(f"access.{position}", "")
    return ""


@dataclass(frozen=True)
class Notice:
    """What a refund or cancellation e-mail says, formatted: the amount refunded (or invoiced and now cancelled)
    with its VAT."""

    kind: str  # "refund" or "void"
    cancelled: bool
    amount: str
    net: str  # "" with vat when the record does not say what VAT was charged
    vat: str
    earlier: str = ""  # refunded before this refund ("" when this is the first)
    total_refunded: str = ""
    paid: str = ""
    invoice_number: str = ""


def cancellation_notice(send: Send, record: BookingRecord, payment: Payment) -> Notice:
    """The notice for a REFUND (from the amounts the transition carries) or a VOID (the whole invoice)."""

    def money(pence: int) -> str:
        return format_pence(pence, payment.currency)

    facts = send.refund
    if facts is None:  # a voided invoice: the whole amount invoiced
        total = payment.amount_pence
        vat = vat_charged(record, total)
        return Notice(
            kind="void",
            cancelled=True,
            amount=money(total),
            net=money(total - vat) if vat is not None else "",
            vat=money(vat) if vat is not None else "",
            invoice_number=payment.invoice_number,
        )
    charged = facts.charged_pence
    charged_vat = vat_charged(record, charged)
    # The VAT of this refund: the VAT of everything refunded so far, less what the booker was told of before.
    vat = refund_vat(facts.total_pence, charged, charged_vat or 0) - refund_vat(
        facts.earlier_pence, charged, charged_vat or 0
    )
    return Notice(
        kind="refund",
        cancelled=facts.total_pence >= charged,
        amount=money(facts.this_time_pence),
        net=money(facts.this_time_pence - vat) if charged_vat is not None else "",
        vat=money(vat) if charged_vat is not None else "",
        earlier=money(facts.earlier_pence) if facts.earlier_pence else "",
        total_refunded=money(facts.total_pence),
        paid=money(charged),
    )


@dataclass(frozen=True)
class ReminderNotice:
    """What a payment reminder says, formatted: the invoice, what is owed, when it was (or is) due."""

    headline: str
    day: int
    days_late: int
    amount: str
    due: str  # "6 January 2027"
    invoice_number: str
    invoice_url: str


def _long_date(iso: str) -> str:
    from datetime import date

    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day:%B %Y}"


def reminder_notice(send: Send, record: BookingRecord, payment: Payment) -> ReminderNotice:
    facts = send.reminder
    assert facts is not None
    number = record.invoice_number or payment.invoice_number
    due = _long_date(facts.due)
    if facts.day < 0:
        headline = f"Invoice {number} is due on {due}"
    elif facts.day == 0:
        headline = f"Invoice {number} is due today"
    else:
        headline = f"Invoice {number} is overdue"
    return ReminderNotice(
        headline=headline,
        day=facts.day,
        days_late=max(facts.day, 0),
        amount=format_pence(facts.amount_pence, payment.currency),
        due=due,
        invoice_number=number,
        invoice_url=record.invoice_url or payment.hosted_invoice_url,
    )


CREDIT_REASONS = {
    "duplicate": "the invoice was a duplicate",
    "fraudulent": "the booking was not made by you",
    "order_change": "the booking was changed or cancelled",
    "product_unsatisfactory": "a refund was agreed for the event",
}


@dataclass(frozen=True)
class CreditNotice:
    """What a credit-note e-mail says, formatted: the credit note, the invoice it credits, why, the amounts with
    VAT, how the money comes back, and whether the booking is now cancelled."""

    number: str
    invoice_number: str
    reason: str
    memo: str
    amount: str
    net: str
    vat: str
    refunded_to_card: str  # "" when none
    out_of_band: str  # "" when none: the organiser sends it by bank transfer
    credited_in_all: str
    cancelled: bool


def credit_notice(send: Send, record: BookingRecord, payment: Payment) -> CreditNotice:
    note = send.credit
    assert note is not None

    def money(pence: int) -> str:
        return format_pence(pence, payment.currency)

    vat = note.vat_pence
    if vat is None:
        charged_vat = vat_charged(record, payment.amount_pence)
        vat = (
            refund_vat(min(note.total_pence, payment.amount_pence), payment.amount_pence, charged_vat)
            if charged_vat is not None
            else None
        )
    return CreditNotice(
        number=note.number,
        invoice_number=note.invoice_number or record.invoice_number,
        reason=CREDIT_REASONS.get(note.reason, ""),
        memo=note.memo,
        amount=money(note.total_pence),
        net=money(note.total_pence - vat) if vat is not None else "",
        vat=money(vat) if vat is not None else "",
        refunded_to_card=money(note.refund_pence) if note.refund_pence else "",
        out_of_band=money(note.out_of_band_pence) if note.out_of_band_pence else "",
        credited_in_all=money(record.credited_pence),
        cancelled=record.credited_pence >= payment.amount_pence > 0,
    )


def vat_charged(record: BookingRecord, gross_pence: int) -> int | None:
    """The VAT in what was charged, as recorded at booking; None when the record's amounts do not add up to it
    (the one test of "show VAT only if the recorded amounts match")."""
    return record.vat_pence if record.amounts and record.gross_pence == gross_pence else None


def envelope(to: Addressee, subject: str, message_id: str, letterhead: Letterhead) -> EmailMessage:
    """A message's headers, built in this one place: From, To (one recipient), Reply-To, a Message-ID made from
    the outbox's stable id (so a message sent again is folded by mail clients), the booking reference."""
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())
    message["From"] = letterhead.sender
    message["To"] = recipient_address(to)
    if letterhead.organisers:
        message["Reply-To"] = letterhead.organisers
    message["Message-ID"] = f"<{message_id}@{letterhead.domain}>"
    message["X-Booking-Ref"] = message_id.split(".", 1)[0]
    message["Auto-Submitted"] = "auto-generated"
    return message
