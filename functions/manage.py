"""GET/POST /api/bookings/manage?t=...: the booker's private page, where delegates are changed until booking closes.

The link is the account (no login): a token signed for the purpose "manage", naming one booking (its
reference and the Stripe object its record lives on) and expiring when the event ends. Anyone holding it
can change the names on that one booking, and nothing else.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import Any

from pydantic import ValidationError

from adapters.content.events import EventFacts, event_facts
from adapters.content.fees import category_label, fee_table
from adapters.payments.client import StripeUnavailable, client, unavailable
from booking import links
from booking import record as records
from booking.record import Attendee, BookingRecord
from booking.request import ACCESS_NEEDS_MAX, DelegateChanges, FieldError, field_errors
from functions import pages
from functions.body import parse_form, parse_json
from functions.errors import BookingProblem
from functions.fulfilment import SessionNotFound, retrieve
from functions.http import Request, Response, html_response, json_response
from functions.settings import Settings
from pricing import FeeTable, FeeTableError, format_pence
from pricing.models import UK

PURPOSE = "manage"
MAX_BODY_BYTES = 64 * 1024
log = logging.getLogger("functions.manage")


@dataclass(frozen=True)
class ManageLink:
    """What a manage token grants: booking `ref`, whose record lives on Stripe object `source` (pi_... or in_...)."""

    ref: str
    source: str


@dataclass(frozen=True)
class Change:
    """Delegate `number` (1-based) before and after a save; a new e-mail address means a new person."""

    number: int
    before: Attendee
    after: Attendee

    @property
    def replaced(self) -> bool:
        return self.before.email != self.after.email


@dataclass
class FormDelegate:
    """One fieldset of the form as shown again: the values typed and the message for each field."""

    name: str = ""
    email: str = ""
    job_title: str = ""
    organisation: str = ""
    access_needs: str = ""
    errors: dict[str, str] = field(default_factory=dict)


class LinkRefused(Exception):
    """The link does not open a booking: `status`, a title and a sentence for the visitor, no booking data."""

    def __init__(self, status: int, title: str, message: str):
        self.status = status
        self.title = title
        self.message = message
        super().__init__(title)


def link_expiry(facts: EventFacts, fees: FeeTable) -> datetime:
    """When the event ends (UK time); for an event whose date is unknown, when its booking closes."""
    if facts.day is not None:
        try:
            ends = time.fromisoformat(facts.ends) if facts.ends else time(23, 59)
        except ValueError:
            ends = time(23, 59)
        return datetime.combine(facts.day, ends, tzinfo=UK)
    return fees.events[facts.slug].booking_closes


def manage_url(settings: Settings, ref: str, source: str, expires: datetime) -> str:
    """The booker's private link to booking `ref`, whose record lives on Stripe object `source`."""
    assert settings.link_secret
    token = links.sign(
        {"ref": ref, "src": source}, purpose=PURPOSE, secret=settings.link_secret, expires_at=int(expires.timestamp())
    )
    return f"{settings.site_url}/api/bookings/manage?t={token}"


def booker_link(ref: str, source: str | None, facts: EventFacts, settings: Settings) -> str:
    """The manage link for the booker's confirmation; "" when links cannot be signed or the event is unknown."""
    try:
        fees = fee_table(settings.fees_path)
    except (FeeTableError, OSError):
        fees = None
    if not (settings.link_secret and source and fees is not None and facts.slug in fees.events):
        log.warning(json.dumps({"msg": "no_manage_link", "booking_ref": ref}))
        return ""
    return manage_url(settings, ref, source, link_expiry(facts, fees))


def read_link(token: str, settings: Settings) -> ManageLink:
    """The booking a token names; LinkRefused when it was not signed by us for this purpose, or has expired."""
    if not settings.link_secret:
        raise _invalid()
    try:
        data = links.open_link(token, purpose=PURPOSE, secret=settings.link_secret, now=settings.now().timestamp())
    except links.LinkExpired:
        raise LinkRefused(
            410,
            "This booking link has expired",
            "Links to change a booking work until the event ends. To ask about a past booking, e-mail us and quote "
            "its booking reference.",
        ) from None
    except links.LinkInvalid:
        raise _invalid() from None
    ref, source = data.get("ref"), data.get("src")
    if not isinstance(ref, str) or not isinstance(source, str) or not source.startswith(("pi_", "in_")):
        raise _invalid()
    return ManageLink(ref, source)


def _invalid() -> LinkRefused:
    return LinkRefused(
        403,
        "This booking link does not work",
        "The link is not complete, or it has been changed. Open it again from your booking confirmation e-mail, "
        "copying the whole address if you paste it.",
    )


@dataclass(frozen=True)
class Found:
    """The booking a link opened: its record, the metadata it was read from and what Stripe says was paid."""

    record: BookingRecord
    metadata: dict[str, Any]
    amount_pence: int
    currency: str
    invoice_number: str = ""


def change_delegates(current: BookingRecord, data: Any) -> tuple[BookingRecord, list[Change]]:
    """The record with the delegates `data` sends, and what changed; BookingProblem (422) with field errors."""
    try:
        sent = DelegateChanges.model_validate(data)
    except ValidationError as exc:
        raise BookingProblem(422, field_errors(exc, len(current.delegates))) from None
    if len(sent.delegates) != len(current.delegates):
        raise BookingProblem(
            422,
            [
                FieldError(
                    "delegates",
                    f"This booking has {len(current.delegates)} delegates: send the details of each of them. To add "
                    "or remove a delegate, e-mail us.",
                )
            ],
        )
    updated, changes = current, []
    for position, (before, after) in enumerate(zip(current.delegates, sent.attendees(), strict=True)):
        if after == before:
            continue
        change = Change(position + 1, before, after)
        updated = updated.substitute(position, after) if change.replaced else updated.amend(position, after)
        changes.append(change)
    if changes and not records.fits_new(updated) and records.size(updated) > records.size(current):
        raise BookingProblem(
            422,
            [
                FieldError(
                    "delegates",
                    "These details are too long to keep with the booking: shorten the job titles, organisations or "
                    "access needs, or e-mail us the rest.",
                )
            ],
        )
    return updated, changes


def handle_manage(request: Request, settings: Settings) -> Response:
    """GET shows the booking; POST saves changed delegates and shows the booking again."""
    try:
        link = read_link(request.query_param("t") or "", settings)
        found = _load(link, settings)
        fees = fee_table(settings.fees_path)
    except LinkRefused as refused:
        return _refusal(request, refused, settings)
    except (FeeTableError, OSError) as exc:
        log.error(json.dumps({"msg": "fee_table_unreadable", "path": str(settings.fees_path), "error": str(exc)}))
        return _refusal(request, _unavailable(503), settings)
    except StripeUnavailable as exc:
        return _refusal(request, _unavailable(exc.status), settings)
    page = _Page(found, fees, settings, request.query)
    if request.method == "GET":
        return page.respond(request, 200)
    if not page.can_change:
        closed = BookingProblem(409, [FieldError("delegates", page.why_not)])
        return page.respond(request, 409, problem=closed)
    try:
        updated, changes = change_delegates(found.record, _read(request))
    except BookingProblem as problem:
        return page.respond(request, problem.status, problem=problem, sent=_sent(request))
    if not changes:
        return page.respond(request, 200, unchanged=True)
    try:
        _save(link, found, updated, settings)
    except StripeUnavailable as exc:
        failed = BookingProblem(exc.status, [FieldError("delegates", f"{exc.message} Nothing has been changed.")])
        return page.respond(request, exc.status, problem=failed, sent=_sent(request))
    log.info(
        json.dumps(
            {
                "msg": "delegates_changed",
                "booking_ref": updated.ref,
                "delegates": [c.number for c in changes],
                "replaced": [c.number for c in changes if c.replaced],
            }
        )
    )
    mailed = _tell(updated, changes, found, settings)
    return _Page(replace(found, record=updated), fees, settings, request.query).respond(
        request, 200, changes=changes, mailed=mailed
    )


def _load(link: ManageLink, settings: Settings) -> Found:
    """The booking on the Stripe object the link names; refused unless it is that very booking."""
    api = client(settings)
    try:
        if link.source.startswith("pi_"):
            obj = retrieve(lambda: api.v1.payment_intents.retrieve(link.source), "retrieve_payment_intent")
            amount = int(obj.get("amount_received") or obj.get("amount") or 0)
        else:
            obj = retrieve(lambda: api.v1.invoices.retrieve(link.source), "retrieve_invoice")
            amount = int(obj.get("total") or 0)
    except SessionNotFound:
        raise _invalid() from None
    metadata = dict(obj.get("metadata") or {})
    try:
        record = records.from_metadata(metadata)
    except records.NotABooking:
        record = None
    if record is None or record.ref != link.ref:
        log.warning(json.dumps({"msg": "manage_link_mismatch", "booking_ref": link.ref, "source": link.source}))
        raise _invalid()
    return Found(record, metadata, amount, str(obj.get("currency") or "gbp").upper(), str(obj.get("number") or ""))


def _save(link: ManageLink, found: Found, updated: BookingRecord, settings: Settings) -> None:
    import stripe

    api = client(settings)
    params = {"metadata": records.to_metadata(updated, previous=found.metadata)}
    try:
        if link.source.startswith("pi_"):
            api.v1.payment_intents.update(link.source, params=params)  # type: ignore[arg-type]
        else:
            api.v1.invoices.update(link.source, params=params)  # type: ignore[arg-type]
    except stripe.StripeError as exc:
        raise unavailable(exc, "save_delegate_changes") from None


def _read(request: Request) -> Any:
    if len(request.body) > MAX_BODY_BYTES:
        raise BookingProblem(413, [FieldError("body", "The form sent too much; send only its fields.")])
    if request.content_type == "application/json":
        return parse_json(request.body)
    if request.content_type == "application/x-www-form-urlencoded":
        return parse_form(request.body, keep_blank=True)
    raise BookingProblem(415, [FieldError("body", "Send the changes as JSON or as the form on this page does.")])


def _sent(request: Request) -> list[dict[str, Any]]:
    """The delegates as posted, to show the form again with what was typed (never raises)."""
    try:
        data = _read(request)
    except BookingProblem:
        return []
    delegates = data.get("delegates") if isinstance(data, dict) else None
    if not isinstance(delegates, list):
        return []
    return [d if isinstance(d, dict) else {} for d in delegates]


def _unavailable(status: int) -> LinkRefused:
    return LinkRefused(
        status,
        "We could not show your booking just now",
        "Your booking is safe and nothing has been changed. Please reload this page in a minute.",
    )


def _refusal(request: Request, refused: LinkRefused, settings: Settings) -> Response:
    if request.wants_json:
        return json_response(refused.status, {"errors": [{"field": "link", "message": refused.message}]})
    address = _organisers_address(settings)
    contact = f" If you need help, e-mail {address}." if address else ""
    html = pages.message_page(refused.title, refused.message + contact, show_contact=False)
    return html_response(refused.status, html)


class _Page:
    """The manage page for one booking: what it shows, whether changes are open, and its answers."""

    def __init__(self, found: Found, fees: FeeTable, settings: Settings, query: str):
        self.found = found
        self.record = found.record
        self.settings = settings
        assert settings.events_dir is not None
        self.event = event_facts(self.record.event, settings.events_dir)
        entry = fees.events.get(self.record.event)
        self.closes = entry.booking_closes if entry else None
        open_now = self.closes is not None and settings.now() < self.closes
        self.can_change = open_now and not self.record.cancelled
        if self.record.cancelled:
            self.why_not = "This booking has been cancelled, so its delegates cannot be changed."
        else:
            self.why_not = "Booking for this event has closed, so delegates can no longer be changed here: e-mail us."
        self.category_label = category_label(settings.fees_path, self.record.event, self.record.category)
        self.expires = link_expiry(self.event, fees) if entry else None
        self.action = f"/api/bookings/manage?{query}"

    def respond(
        self,
        request: Request,
        status: int,
        *,
        problem: BookingProblem | None = None,
        sent: list[dict[str, Any]] | None = None,
        unchanged: bool = False,
        changes: list[Change] | None = None,
        mailed: bool = True,
    ) -> Response:
        record = self.record
        if request.wants_json:
            if problem is not None:
                return json_response(status, {"errors": [e.to_dict() for e in problem.errors]})
            return json_response(
                status,
                {
                    "booking_ref": record.ref,
                    "can_change": self.can_change,
                    "changed": [c.number for c in changes or []],
                    "delegates": [d.model_dump() for d in record.delegates],
                },
            )
        errors = problem.errors if problem else []
        currency = self.found.currency
        shown_vat = bool(record.amounts) and record.gross_pence == self.found.amount_pence
        html = pages.render(
            "manage.html",
            title=f"Your booking {record.ref}" if not errors else f"Error: your booking {record.ref}",
            record=record,
            event=self.event,
            category_label=self.category_label,
            paid=format_pence(self.found.amount_pence, currency),
            vat=format_pence(record.vat_pence, currency) if shown_vat else "",
            refunded=format_pence(record.refunded_pence, currency) if record.refunded_pence else "",
            can_change=self.can_change,
            closes=_when(self.closes),
            expires=_when(self.expires),
            contact_email=_organisers_address(self.settings),
            action=self.action,
            access_needs_max=ACCESS_NEEDS_MAX,
            form=_form(record, sent if errors else None, errors),
            errors=[
                {"label": pages.field_label(e.field), "message": e.message, "anchor": _anchor(e.field)} for e in errors
            ],
            saved={"replaced": [c.after.email for c in changes if c.replaced], "mailed": mailed} if changes else None,
            unchanged=unchanged,
        )
        return html_response(status, html)


def _form(record: BookingRecord, sent: list[dict[str, Any]] | None, errors: list[FieldError]) -> list[FormDelegate]:
    """One fieldset per delegate: what was typed (after a refused save) or what the record holds."""
    rows: list[FormDelegate] = []
    for position, delegate in enumerate(record.delegates):
        typed = (sent[position] if sent and position < len(sent) else None) or delegate.model_dump()
        text = {name: str(typed.get(name, "")) for name in _FIELDS}
        rows.append(
            FormDelegate(text["name"], text["email"], text["job_title"], text["organisation"], text["access_needs"])
        )
    for error in errors:
        parts = error.field.split(".")
        if len(parts) >= 3 and parts[0] == "delegates" and parts[1].isdigit() and int(parts[1]) < len(rows):
            rows[int(parts[1])].errors.setdefault(parts[2], error.message)
    return rows


_FIELDS = ("name", "email", "job_title", "organisation", "access_needs")


def _anchor(path: str) -> str:
    """The id of the input a field error belongs to: delegates.1.job_title -> delegate-1-job-title."""
    parts = path.split(".")
    if len(parts) >= 3 and parts[0] == "delegates" and parts[1].isdigit() and parts[2] in _FIELDS:
        return f"delegate-{parts[1]}-{parts[2].replace('_', '-')}"
    return "delegate-0-name"


def _when(moment: datetime | None) -> str:
    """'13 September 2027 at 17:00 (UK time)'."""
    if moment is None:
        return "the day of the event"
    local = moment.astimezone(UK)
    return f"{local.day} {local:%B %Y} at {local:%H:%M} (UK time)"


def _tell(record: BookingRecord, changes: list[Change], found: Found, settings: Settings) -> bool:
    """E-mail the new delegates, the people they replace and the organisers, each on its own (one refused address
    never stops the others); False if any could not go."""
    from adapters.mail.compose import Payment, change_messages, organiser_details
    from adapters.mail.send import MailRefused, MailSession, MailUnavailable

    if not (settings.smtp_url or settings.mail_outbox):
        log.warning(json.dumps({"msg": "change_not_mailed", "booking_ref": record.ref, "reason": "no mail set up"}))
        return False
    assert settings.events_dir is not None
    organiser = organiser_details(settings.organiser_path)
    try:
        messages = change_messages(
            record,
            changes,
            event_facts(record.event, settings.events_dir),
            Payment(record.payment, found.amount_pence, found.currency, found.invoice_number),
            site_url=settings.site_url,
            mail_from=settings.mail_from,
            contact_email=_organisers_address(settings),
            category_label=category_label(settings.fees_path, record.event, record.category),
            organiser=organiser,
        )
        all_sent = True
        with MailSession(settings.smtp_url, settings.mail_outbox) as session:
            for message in messages:
                try:
                    session.send(message)
                except MailRefused as exc:
                    all_sent = False
                    to = message["To"].addresses[0].addr_spec
                    log.error(
                        json.dumps(
                            {"msg": "change_mail_refused", "booking_ref": record.ref, "to": to, "reason": str(exc)}
                        )
                    )
        return all_sent
    except MailUnavailable as exc:
        log.error(json.dumps({"msg": "change_not_mailed", "booking_ref": record.ref, "reason": str(exc)}))
        return False
    except Exception:  # the change is saved: say the e-mails did not go, never answer 500 for a saved change
        log.exception(json.dumps({"msg": "change_not_mailed", "booking_ref": record.ref}))
        return False


def _organisers_address(settings: Settings) -> str | None:
    """Whom bookers write to, and where the organisers' copy goes: CONTACT_EMAIL, else content/organiser.yaml's."""
    from adapters.mail.compose import organiser_details

    if settings.contact_email:
        return settings.contact_email
    organiser = organiser_details(settings.organiser_path)
    return str(organiser.bookings.email) if organiser else None
