"""GET/POST /api/bookings/manage?t=...: the booker's private page, and each delegate's own access-needs page.

The link is the account (no login), signed by flows.manage: the booker's opens the booking (delegates' names,
until booking closes; never their access needs) while the booking's link version is the one it was made for;
a delegate's opens only their own access needs. Every save is one step of the booking's life through the
store, applied only to the version the person was shown (409 otherwise), capped per booking per day, and
its e-mails go through the outbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from adapters.content.events import event_facts
from adapters.content.fees import category_label, fee_table
from adapters.mail.compose import About
from adapters.store import BookingStore, Conflict, LimitReached, StoreUnavailable
from booking import links
from booking.life import HOLDS_PLACES, Booking, State
from booking.record import Attendee, BookingRecord
from booking.request import ACCESS_NEEDS_MAX, AccessNeedsChange, DelegateChanges, FieldError, field_errors
from flows import manage as flow
from flows.advance import Step, booking_of
from functions import mailroom, pages
from functions.body import parse_form, parse_json
from functions.errors import BookingProblem
from functions.http import Request, Response, html_response, json_response
from functions.settings import Settings
from pricing import FeeTable, FeeTableError, format_pence
from pricing.models import UK

MAX_BODY_BYTES = 64 * 1024
NEW_LINK = "new_link"  # the `action` of the form that asks for a new link
SHOWN = HOLDS_PLACES | {State.CANCELLED}  # a request never confirmed, or a lapsed checkout, has no page
CONFLICT = "Someone changed this booking a moment ago: here it is now. Nothing you sent has been saved; make your change again if it is still needed."
log = logging.getLogger("booking.functions.manage")


@dataclass
class FormDelegate:
    """One fieldset of the form as shown again: the values typed and the message for each field."""

    name: str = ""
    email: str = ""
    job_title: str = ""
    organisation: str = ""
    access_needs_given: bool = False
    errors: dict[str, str] = field(default_factory=dict)


class LinkRefused(Exception):
    """The link does not open a booking: `status`, a title and a sentence for the visitor, no booking data."""

    def __init__(self, status: int, title: str, message: str):
        self.status = status
        self.title = title
        self.message = message
        super().__init__(title)


def handle_manage(request: Request, settings: Settings) -> Response:
    """GET shows the booking (or a delegate's own access needs); POST saves a change, or asks for a new link."""
    try:
        link = _open(request.query_param("t") or "", settings)
        store = settings.store()
        booking = booking_of(store.get(link.ref))
        fees = fee_table(settings.fees_path)
    except LinkRefused as refused:
        return _refusal(request, refused, settings)
    except (FeeTableError, OSError) as exc:
        log.error("fee table unreadable at %s: %s", settings.fees_path, exc)
        return _refusal(request, _unavailable(), settings)
    except StoreUnavailable as exc:
        log.error("booking store unavailable: %s", exc)
        return _refusal(request, _unavailable(), settings)
    if booking is None or booking.state not in SHOWN:
        log.warning("link to %s opens no booking", link.ref)
        return _refusal(request, _invalid(), settings)
    if isinstance(link, flow.AccessLink):
        return _AccessNeeds(link, booking, fees, settings, store, request).answer()
    if link.link_version != booking.record.link_version:
        log.info("replaced link used for %s", link.ref)
        return _refusal(request, _replaced(), settings)
    return _Manage(link, booking, fees, settings, store, request).answer()


def _open(token: str, settings: Settings) -> flow.ManageLink | flow.AccessLink:
    if not settings.link_secret:
        raise _invalid()
    try:
        return flow.open_token(token, secret=settings.link_secret, now=settings.now())
    except links.LinkExpired:
        raise LinkRefused(
            410,
            "This booking link has expired",
            "Links to a booking work until the event ends. To ask about a past booking, e-mail us and quote "
            "its booking reference.",
        ) from None
    except links.LinkInvalid:
        raise _invalid() from None


def _invalid() -> LinkRefused:
    return LinkRefused(
        403,
        "This booking link does not work",
        "The link is not complete, or it has been changed. Open it again from your booking confirmation e-mail, "
        "copying the whole address if you paste it.",
    )


def _replaced() -> LinkRefused:
    return LinkRefused(
        403,
        "This booking link has been replaced",
        "A new link to this booking has been e-mailed to the person who made it, and this one no longer works. "
        "If you made the booking, use the link in the most recent e-mail from us.",
    )


def _not_yours() -> LinkRefused:
    return LinkRefused(
        403,
        "This link is for a place that has gone to someone else",
        "The place this link was for now belongs to another delegate, so it no longer opens anything. If you "
        "think this is wrong, ask the person who booked your place.",
    )


def _unavailable() -> LinkRefused:
    return LinkRefused(
        503,
        "We could not show your booking just now",
        "Your booking is safe and nothing has been changed. Please reload this page in a minute.",
    )


def _refusal(request: Request, refused: LinkRefused, settings: Settings) -> Response:
    if request.wants_json:
        return json_response(refused.status, {"errors": [{"field": "link", "message": refused.message}]})
    address = mailroom.organisers_address(settings)
    contact = f" If you need help, e-mail {address}." if address else ""
    html = pages.message_page(refused.title, refused.message + contact, show_contact=False)
    return html_response(refused.status, html)


def _read(request: Request) -> Any:
    if len(request.body) > MAX_BODY_BYTES:
        raise BookingProblem(413, [FieldError("body", "The form sent too much; send only its fields.")])
    if request.content_type == "application/json":
        return parse_json(request.body)
    if request.content_type == "application/x-www-form-urlencoded":
        return parse_form(request.body, keep_blank=True)
    raise BookingProblem(415, [FieldError("body", "Send the changes as JSON or as the form on this page does.")])


def _version(data: Any) -> int:
    """The booking version the person was shown (the form's hidden field, or `version` in JSON)."""
    value = data.get("version") if isinstance(data, dict) else None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if type(value) is not int or value < 1:
        raise BookingProblem(
            422,
            [
                FieldError(
                    "version",
                    "Send the version of the booking you were shown (this page's form does): reload the page and "
                    "make your change again.",
                )
            ],
        )
    return value


def _when(moment: datetime | None) -> str:
    """'13 September 2027 at 17:00 (UK time)'."""
    if moment is None:
        return "the day of the event"
    local = moment.astimezone(UK)
    return f"{local.day} {local:%B %Y} at {local:%H:%M} (UK time)"


def _deliver(store: BookingStore, settings: Settings, ref: str) -> bool:
    """Send the booking's waiting messages now; False (they stay in the outbox for the next run) if any could
    not go."""
    from adapters.mail.outbox import deliver
    from adapters.mail.send import MailSession, MailUnavailable

    if not (settings.smtp_url or settings.mail_outbox):
        log.warning("no mail set up: messages of %s wait in the outbox", ref)
        return False
    try:
        with MailSession(settings.smtp_url, settings.mail_outbox) as session:
            return deliver(store, session, ref).complete
    except (MailUnavailable, StoreUnavailable, Conflict) as exc:
        log.warning("messages of %s wait in the outbox: %s", ref, type(exc).__name__)
        return False


class _Opened:
    """A page opened by a valid link: the booking as read, the event, and the answers both pages share."""

    def __init__(
        self, booking: Booking, fees: FeeTable, settings: Settings, store: BookingStore, request: Request
    ) -> None:
        self.booking = booking
        self.settings = settings
        self.store = store
        self.request = request
        assert settings.events_dir is not None
        self.event = event_facts(booking.record.event, settings.events_dir)
        entry = fees.events.get(booking.record.event)
        self.closes = entry.booking_closes if entry else None
        self.expires = flow.link_expiry(self.event, fees) if entry else None
        self.action = f"/api/bookings/manage?{request.query}"

    @property
    def record(self) -> BookingRecord:
        return self.booking.record

    def about(self, booking: Booking) -> About:
        return mailroom.about(booking, self.settings)

    def capped(self) -> BookingProblem:
        return BookingProblem(
            429,
            [
                FieldError(
                    "delegates",
                    f"This booking has been changed {flow.CHANGES_PER_DAY} times today through its links, the most "
                    "we allow in a day, so nothing has been changed now. Try again tomorrow, or e-mail us the "
                    "change.",
                )
            ],
        )

    def store_failed(self) -> BookingProblem:
        return BookingProblem(
            503,
            [FieldError("delegates", "We could not save just now. Nothing has been changed: try again in a minute.")],
        )


class _Manage(_Opened):
    """The booker's page: the booking as it stands and, until booking closes, the form to change delegates."""

    def __init__(
        self,
        link: flow.ManageLink,
        booking: Booking,
        fees: FeeTable,
        settings: Settings,
        store: BookingStore,
        request: Request,
    ) -> None:
        super().__init__(booking, fees, settings, store, request)
        self.link = link

    @property
    def can_change(self) -> bool:
        open_now = self.closes is not None and self.settings.now() < self.closes
        return open_now and self.booking.state in HOLDS_PLACES and not self.record.cancelled

    @property
    def why_not(self) -> str:
        if self.booking.state == State.CANCELLED or self.record.cancelled:
            return "This booking has been cancelled, so its delegates cannot be changed."
        return "Booking for this event has closed, so delegates can no longer be changed here: e-mail us."

    def answer(self) -> Response:
        if self.request.method == "GET":
            return self.respond(200)
        try:
            data = _read(self.request)
        except BookingProblem as problem:
            return self.respond(problem.status, problem=problem)
        if isinstance(data, dict) and data.get("action") == NEW_LINK:
            return self.new_link()
        if not self.can_change:
            return self.respond(409, problem=BookingProblem(409, [FieldError("delegates", self.why_not)]))
        try:
            version = _version(data)
            sent = self.delegates(data)
        except BookingProblem as problem:
            return self.respond(problem.status, problem=problem, sent=_sent(data))
        if version != self.booking.version:
            return self.conflict(self.booking)
        _record, changes = flow.edit_delegates(self.record, sent)
        if not changes:
            return self.respond(200, unchanged=True)
        try:
            step = flow.save_delegates(
                self.store,
                self.record.ref,
                version,
                sent,
                about=self.about,
                letterhead=mailroom.letterhead(self.settings),
                now=self.settings.now(),
            )
        except LimitReached:
            log.info("changes per day reached for %s", self.record.ref)
            return self.respond(429, problem=self.capped(), sent=_sent(data))
        except (StoreUnavailable, Conflict) as exc:
            log.error("delegate change of %s not saved: %s", self.record.ref, exc)
            return self.respond(503, problem=self.store_failed(), sent=_sent(data))
        return self.saved(step)

    def delegates(self, data: Any) -> tuple[Attendee, ...]:
        """The delegates sent, checked like a new booking's; every delegate, in order; no access needs."""
        count = len(self.record.delegates)
        try:
            sent = DelegateChanges.model_validate(data)
        except ValidationError as exc:
            raise BookingProblem(422, field_errors(exc, count)) from None
        if len(sent.delegates) != count:
            message = (
                f"This booking has {count} delegates: send the details of each of them. To add or remove a "
                "delegate, e-mail us."
            )
            raise BookingProblem(422, [FieldError("delegates", message)])
        given = [
            FieldError(
                f"delegates.{position}.access_needs",
                "Access needs are not changed on this page: each delegate gives their own from the link in their "
                "confirmation e-mail.",
            )
            for position, delegate in enumerate(sent.delegates)
            if delegate.access_needs
        ]
        if given:
            raise BookingProblem(422, given)
        return sent.attendees()

    def saved(self, step: Step) -> Response:
        if step.transition is None:
            assert step.booking is not None
            return self.conflict(step.booking)
        if not step.changed:  # cancelled in the meantime
            now = _Manage(self.link, step.booking or self.booking, *self._again())
            return now.respond(409, problem=BookingProblem(409, [FieldError("delegates", now.why_not)]))
        assert step.booking is not None
        changes = [s for s in step.transition.sends if s.changes][:1]
        made = changes[0].changes if changes else ()
        log.info(
            "delegates changed on %s: positions %s, replaced %s",
            self.record.ref,
            [c.number for c in made],
            [c.number for c in made if c.replaced],
        )
        mailed = _deliver(self.store, self.settings, self.record.ref)
        now = _Manage(self.link, step.booking, *self._again())
        return now.respond(200, changes=list(made), mailed=mailed)

    def conflict(self, current: Booking) -> Response:
        log.info("stale save refused for %s (version %d now)", self.record.ref, current.version)
        now = _Manage(self.link, current, *self._again())
        return now.respond(409, problem=BookingProblem(409, [FieldError("version", CONFLICT)]), conflict=True)

    def new_link(self) -> Response:
        try:
            step = flow.replace_link(
                self.store,
                self.record.ref,
                self.link.link_version,
                about=self.about,
                letterhead=mailroom.letterhead(self.settings),
                now=self.settings.now(),
            )
        except (StoreUnavailable, Conflict) as exc:
            log.error("new link for %s not made: %s", self.record.ref, exc)
            return self.respond(503, problem=self.store_failed())
        if step.transition is None:
            return _refusal(self.request, _replaced(), self.settings)
        if not step.changed:
            return _refusal(self.request, _invalid(), self.settings)
        log.info("link of %s replaced", self.record.ref)
        mailed = _deliver(self.store, self.settings, self.record.ref)
        if self.request.wants_json:
            return json_response(200, {"booking_ref": self.record.ref, "link_replaced": True, "mailed": mailed})
        when = "" if mailed else " (it may take a few minutes to arrive)"
        html = pages.message_page(
            "A new link is on its way",
            "We have e-mailed a new link to this booking to the address of the person who made it"
            f"{when}. The link you used no longer opens the booking.",
            show_contact=True,
        )
        return html_response(200, html)

    def _again(self) -> tuple[FeeTable, Settings, BookingStore, Request]:
        return fee_table(self.settings.fees_path), self.settings, self.store, self.request

    def view(self, changes: list[Any] | None = None) -> dict[str, Any]:
        """The booking as the link holder may see it: never a delegate's access needs, only whether given."""
        return {
            "booking_ref": self.record.ref,
            "version": self.booking.version,
            "state": str(self.booking.state),
            "can_change": self.can_change,
            "changed": [c.number for c in changes or []],
            "delegates": [
                {
                    "name": d.name,
                    "email": d.email,
                    "job_title": d.job_title,
                    "organisation": d.organisation,
                    "access_needs_given": bool(d.access_needs),
                }
                for d in self.record.delegates
            ],
        }

    def respond(
        self,
        status: int,
        *,
        problem: BookingProblem | None = None,
        sent: list[dict[str, Any]] | None = None,
        unchanged: bool = False,
        changes: list[Any] | None = None,
        mailed: bool = True,
        conflict: bool = False,
    ) -> Response:
        record = self.record
        if self.request.wants_json:
            if problem is not None:
                body: dict[str, Any] = {"errors": [e.to_dict() for e in problem.errors]}
                if conflict:
                    body |= self.view()
                return json_response(status, body)
            return json_response(status, self.view(changes))
        errors = problem.errors if problem and not conflict else []
        html = pages.render(
            "manage.html",
            title=f"Your booking {record.ref}" if not (errors or conflict) else f"Error: your booking {record.ref}",
            record=record,
            cancelled=self.booking.state == State.CANCELLED or record.cancelled,
            version=self.booking.version,
            event=self.event,
            category_label=category_label(self.settings.fees_path, record.event, record.category),
            paid=format_pence(record.gross_pence, "GBP"),
            vat=format_pence(record.vat_pence, "GBP") if record.amounts else "",
            refunded=format_pence(record.refunded_pence, "GBP") if record.refunded_pence else "",
            can_change=self.can_change,
            closes=_when(self.closes),
            expires=_when(self.expires),
            contact_email=mailroom.organisers_address(self.settings),
            action=self.action,
            new_link=NEW_LINK,
            changes_per_day=flow.CHANGES_PER_DAY,
            form=_form(record, sent if errors else None, errors),
            errors=[
                {"label": pages.field_label(e.field), "message": e.message, "anchor": _anchor(e.field)} for e in errors
            ],
            conflict=CONFLICT if conflict else "",
            saved={"replaced": [c.after.email for c in changes if c.replaced], "mailed": mailed} if changes else None,
            unchanged=unchanged,
        )
        return html_response(status, html)


def _sent(data: Any) -> list[dict[str, Any]]:
    """The delegates as posted, to show the form again with what was typed."""
    delegates = data.get("delegates") if isinstance(data, dict) else None
    if not isinstance(delegates, list):
        return []
    return [d if isinstance(d, dict) else {} for d in delegates]


_FIELDS = ("name", "email", "job_title", "organisation")


def _form(record: BookingRecord, sent: list[dict[str, Any]] | None, errors: list[FieldError]) -> list[FormDelegate]:
    """One fieldset per delegate: what was typed (after a refused save) or what the record holds."""
    rows: list[FormDelegate] = []
    for position, delegate in enumerate(record.delegates):
        typed = (sent[position] if sent and position < len(sent) else None) or delegate.model_dump()
        text = {name: str(typed.get(name, "")) for name in _FIELDS}
        rows.append(
            FormDelegate(
                text["name"], text["email"], text["job_title"], text["organisation"], bool(delegate.access_needs)
            )
        )
    for error in errors:
        parts = error.field.split(".")
        if len(parts) >= 3 and parts[0] == "delegates" and parts[1].isdigit() and int(parts[1]) < len(rows):
            rows[int(parts[1])].errors.setdefault(parts[2], error.message)
    return rows


def _anchor(path: str) -> str:
    """The id of the input a field error belongs to: delegates.1.job_title -> delegate-1-job-title."""
    parts = path.split(".")
    if len(parts) >= 3 and parts[0] == "delegates" and parts[1].isdigit() and parts[2] in _FIELDS:
        return f"delegate-{parts[1]}-{parts[2].replace('_', '-')}"
    return "delegate-0-name"


class _AccessNeeds(_Opened):
    """A delegate's own page: their place and their access needs, which only they and the organisers see."""

    def __init__(
        self,
        link: flow.AccessLink,
        booking: Booking,
        fees: FeeTable,
        settings: Settings,
        store: BookingStore,
        request: Request,
    ) -> None:
        super().__init__(booking, fees, settings, store, request)
        self.link = link

    def answer(self) -> Response:
        delegate = self.link.holder(self.record)
        if delegate is None:
            return _refusal(self.request, _not_yours(), self.settings)
        if self.request.method == "GET":
            return self.respond(200, delegate)
        if self.booking.state not in HOLDS_PLACES:
            message = "This booking has been cancelled, so there is nothing to arrange."
            return self.respond(409, delegate, problem=BookingProblem(409, [FieldError("access_needs", message)]))
        typed = ""
        try:
            data = _read(self.request)
            typed = str(data.get("access_needs", "")) if isinstance(data, dict) else ""
            version = _version(data)
            try:
                wanted = AccessNeedsChange.model_validate(data).access_needs
            except ValidationError as exc:
                raise BookingProblem(422, field_errors(exc)) from None
        except BookingProblem as problem:
            return self.respond(problem.status, delegate, problem=problem, typed=typed)
        if version != self.booking.version:
            return self.conflict(self.booking)
        if wanted == delegate.access_needs:
            return self.respond(200, delegate, unchanged=True)
        try:
            step = flow.save_access_needs(
                self.store,
                self.link,
                version,
                wanted,
                about=self.about,
                letterhead=mailroom.letterhead(self.settings),
                now=self.settings.now(),
            )
        except LimitReached:
            return self.respond(429, delegate, problem=self.capped(), typed=typed)
        except (StoreUnavailable, Conflict) as exc:
            log.error("access needs of %s not saved: %s", self.record.ref, exc)
            return self.respond(503, delegate, problem=self.store_failed(), typed=typed)
        assert step.booking is not None
        if step.transition is None:
            return self.conflict(step.booking)
        again = _AccessNeeds(self.link, step.booking, fee_table(self.settings.fees_path), *self._rest())
        holder = self.link.holder(step.booking.record)
        if not step.changed or holder is None:
            return again.answer_refused()
        log.info("access needs changed on %s: delegate %d", self.record.ref, self.link.position + 1)
        mailed = _deliver(self.store, self.settings, self.record.ref)
        return again.respond(200, holder, saved=True, mailed=mailed)

    def answer_refused(self) -> Response:
        delegate = self.link.holder(self.record)
        if delegate is None:
            return _refusal(self.request, _not_yours(), self.settings)
        message = "This booking has been cancelled, so there is nothing to arrange."
        return self.respond(409, delegate, problem=BookingProblem(409, [FieldError("access_needs", message)]))

    def conflict(self, current: Booking) -> Response:
        again = _AccessNeeds(self.link, current, fee_table(self.settings.fees_path), *self._rest())
        holder = self.link.holder(current.record)
        if holder is None:
            return _refusal(self.request, _not_yours(), self.settings)
        problem = BookingProblem(409, [FieldError("version", CONFLICT)])
        return again.respond(409, holder, problem=problem, conflict=True)

    def _rest(self) -> tuple[Settings, BookingStore, Request]:
        return self.settings, self.store, self.request

    def respond(
        self,
        status: int,
        delegate: Attendee,
        *,
        problem: BookingProblem | None = None,
        typed: str | None = None,
        unchanged: bool = False,
        saved: bool = False,
        mailed: bool = True,
        conflict: bool = False,
    ) -> Response:
        view = {
            "booking_ref": self.record.ref,
            "version": self.booking.version,
            "delegate": self.link.position + 1,
            "name": delegate.name,
            "access_needs": delegate.access_needs,
        }
        if self.request.wants_json:
            if problem is not None:
                return json_response(status, {"errors": [e.to_dict() for e in problem.errors], **view})
            return json_response(status, view | {"saved": saved})
        errors = problem.errors if problem and not conflict else []
        html = pages.render(
            "access_needs.html",
            title=("Error: your" if errors or conflict else "Your") + f" access needs for {self.event.title}",
            record=self.record,
            event=self.event,
            delegate=delegate,
            number=self.link.position + 1,
            version=self.booking.version,
            action=self.action,
            value=typed if typed is not None and errors else delegate.access_needs,
            error=errors[0].message if errors else "",
            conflict=CONFLICT if conflict else "",
            saved=saved,
            mailed=mailed,
            unchanged=unchanged,
            can_change=self.booking.state in HOLDS_PLACES,
            expires=_when(self.expires),
            contact_email=mailroom.organisers_address(self.settings),
            access_needs_max=ACCESS_NEEDS_MAX,
        )
        return html_response(status, html)
