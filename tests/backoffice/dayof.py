"""Helpers for the back office's tests: bookings made in the store as the flows make them (each change one step of
the booking's life through flows.advance, its messages delivered to the SMTP sink), and the commands run as the
organiser runs them (bookings.cli.main with BOOKINGS_TABLE and the store's environment)."""

from __future__ import annotations

import hashlib
import io
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.content.events import event_facts
from adapters.mail.compose import About, Letterhead
from adapters.mail.outbox import deliver
from adapters.mail.send import MailSession
from booking import life
from booking.life import (
    Change,
    CheckoutStarted,
    DelegatesChanged,
    Expired,
    Paid,
    Refunded,
    RequestConfirmed,
    Requested,
    StripeFacts,
    Voided,
)
from booking.record import Amount, Attendee, BookingRecord, Contact
from bookings.cli import main
from flows.advance import advance
from pricing import load_fee_table, quote
from tests.backoffice.conftest import EVENT, MAIL_FROM, ORGANISERS, Received
from tests.fixture_site import FIXTURE_EVENTS

# Zoom: Reports > Usage > Participants > Export, "with meeting data" ticked: the meeting's own row (with the
# host's e-mail) comes first, then a blank line and the participants.
ZOOM = (
    "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\r\n"
    "852 1848 6288,Caldicott and the police,09/14/2083 09:20:11 AM,09/14/2083 04:05:40 PM,host@events.example.org,406,3\r\n"
    "\r\n"
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent\r\n"
    "Priya Shah,Priya.Shah@NHS.net,09/14/2083 09:24:02 AM,09/14/2083 04:01:13 PM,398,No,Y\r\n"
    '"Ðurić, Zoë",zoe.duric@nhs.net,09/14/2083 09:25:40 AM,09/14/2083 12:30:00 PM,185,Yes,Y\r\n'
    "Priya Shah,priya.shah@nhs.net,09/14/2083 01:15:00 PM,09/14/2083 04:00:00 PM,165,No,Y\r\n"
    "Dial-in caller,,09/14/2083 09:30:00 AM,09/14/2083 10:00:00 AM,30,Yes,\r\n"
)

# Teams: Attendance > Download, a UTF-16 file with tabs in numbered sections; "3. In-Meeting Activities"
# repeats people who joined more than once.
TEAMS = (
    "1. Summary\n"
    "Meeting title\tCaldicott and the police\n"
    "Attended participants\t2\n"
    "Start time\t14/09/2083, 09:20:17\n"
    "\n"
    "2. Participants\n"
    "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\n"
    "Priya Shah\t14/09/2083, 09:24:02\t14/09/2083, 16:01:13\t6h 37m\tpriya.shah@nhs.net\tpriya.shah@nhs.net\tAttendee\n"
    "Jürgen Müller\t14/09/2083, 09:25:00\t14/09/2083, 16:00:00\t6h 35m\tjuergen@xn--mnchen-3ya.de\tjm@example.org\tAttendee\n"
    "\n"
    "3. In-Meeting Activities\n"
    "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole\n"
    "Priya Shah\t14/09/2083, 09:24:02\t14/09/2083, 12:00:00\t2h 36m\tpriya.shah@nhs.net\tAttendee\n"
    "Priya Shah\t14/09/2083, 13:00:00\t14/09/2083, 16:01:13\t3h 1m\tpriya.shah@nhs.net\tAttendee\n"
)

BEFORE = datetime(2083, 9, 1, 9, 0, tzinfo=UTC)  # caldicott-police-2083 is on 14 September 2083
AFTER = datetime(2083, 9, 15, 9, 0, tzinfo=UTC)
AT = "2083-06-01T10:00:00+00:00"
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass
class Run:
    status: int
    out: str
    err: str


def reference(tag: str) -> str:
    """A booking reference of the site's shape, the same for the same tag."""
    digest = hashlib.sha256(tag.encode()).digest()
    return "CP-" + "".join(_ALPHABET[byte % len(_ALPHABET)] for byte in digest[:6])


class Office:
    """The back office on a fresh bookings table and the SMTP sink, with the site's events beside a far fee table;
    and the people around it: bookers who book, pay and change delegates, the organiser who refunds."""

    def __init__(self, store: Any, store_environ: dict[str, str], smtp: Any, fees_path: Path, folder: Path):
        self.store = store
        self.smtp = smtp
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(fees_path, folder / "fees.yaml")
        shutil.copytree(FIXTURE_EVENTS, folder / "events", dirs_exist_ok=True)
        self.folder = folder
        self.fees = load_fee_table(folder / "fees.yaml")
        self.letterhead = Letterhead(sender=MAIL_FROM, organisers=ORGANISERS)
        self.environ = {
            **store_environ,
            "BOOKINGS_TABLE": store.table,
            "FEES_PATH": str(folder / "fees.yaml"),
            "SMTP_URL": smtp.url,
            "MAIL_FROM": MAIL_FROM,
            "CONTACT_EMAIL": ORGANISERS,
            "ORGANISER_NAME": "Health IG Conferences",
        }

    # The organiser's side.

    def run(self, *argv: str, now: datetime = BEFORE, **environ: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        status = main(list(argv), environ={**self.environ, **environ}, stdout=out, stderr=err, now=lambda: now)
        return Run(status, out.getvalue(), err.getvalue())

    def mail(self, subject_start: str) -> list[Received]:
        return [r for r in self.smtp.received if str(r.message["Subject"]).startswith(subject_start)]

    def record(self, ref: str) -> BookingRecord:
        stored = self.store.get(ref)
        assert stored is not None
        return stored.record

    def state(self, ref: str) -> str:
        stored = self.store.get(ref)
        assert stored is not None
        return stored.state

    # The bookings, each change one step of the booking's life, as the function makes them.

    def make(
        self,
        delegates: int | list[str] = 1,
        tag: str = "",
        *,
        payment: str = "card",
        category: str = "public-sector",
        event: str = EVENT,
        code: str = "",
        purchase_order: str = "",
        free: bool = False,
        emails: list[str] | None = None,
    ) -> BookingRecord:
        """The booking a booker fills in: `delegates` people (or these names, and these addresses), priced as the
        fee table says."""
        names = [f"Delegate {i}{tag}" for i in range(1, delegates + 1)] if isinstance(delegates, int) else delegates
        addresses = emails or [f"delegate{i}{tag}@nhs.net" for i in range(1, len(names) + 1)]
        priced = quote(self.fees, event, category, len(names), payment)
        amounts = tuple(
            Amount(net_pence=0 if free else line.net_pence, vat_pence=0 if free else line.vat_pence)
            for line in priced.lines
        )
        return BookingRecord(
            ref=reference(f"{event}{tag}"),
            event=event,
            category=category,
            payment="invoice" if payment == "invoice" else "card",
            contact=Contact(
                name=f"Priya Shah{tag}", email=f"priya.shah{tag}@nhs.net", organisation="Leeds Teaching Hospitals"
            ),
            delegates=tuple(
                Attendee(
                    name=name,
                    email=addresses[i - 1],
                    job_title="Information Governance Lead",
                    organisation="Leeds Teaching Hospitals NHS Trust" if i % 2 else "",
                )
                for i, name in enumerate(names, start=1)
            ),
            amounts=amounts,
            code=code,
            purchase_order=purchase_order,
        )

    def quote(self, record: BookingRecord) -> Any:
        return quote(self.fees, record.event, record.category, len(record.delegates), record.payment)

    def step(self, ref: str, event: life.Event) -> None:
        """One step of booking `ref`'s life, its messages then delivered to the sink as the function does."""
        events_dir = self.folder / "events"

        def about(booking: life.Booking) -> About:
            record = booking.record
            # What the request to confirm an invoice booking says (the request flow's own details).
            billing = {"name": "Accounts Payable", "email": "accounts.payable@nhs.net"}
            request = {"contact": record.contact, "delegates": record.delegates, "billing": billing}
            return About(
                record=record,
                event=event_facts(record.event, events_dir),
                links={"request": f"https://events.example.org/api/bookings/invoice/confirm?token={record.ref}"},
                extra={"booking": request, "ref": record.ref, "expires": "in 7 days"},
            )

        step = advance(self.store, ref, event, about=about, letterhead=self.letterhead)
        assert step.changed, f"{type(event).__name__} changed nothing for {ref}"
        with MailSession(self.smtp.url, None) as session:
            deliver(self.store, session, ref)

    def card(self, record: BookingRecord, pay: bool = True) -> str:
        self.step(record.ref, CheckoutStarted(record))
        if pay:
            self.step(record.ref, Paid(AT, StripeFacts(payment_intent=f"pi_{record.ref[3:]}")))
        return record.ref

    def invoice(self, record: BookingRecord, pay: bool = False) -> str:
        """Requested, confirmed by the booker from their e-mail (the invoice issued), and paid if `pay`."""
        self.step(record.ref, Requested(record))
        facts = StripeFacts(
            invoice_id=f"in_{record.ref[3:]}",
            invoice_number=f"{record.ref[3:]}-0001",
            invoice_due="2083-08-31",
            invoice_url=f"https://invoice.stripe.com/i/{record.ref[3:]}",
        )
        self.step(record.ref, RequestConfirmed(AT, stripe=facts))
        if pay:
            self.step(record.ref, Paid(AT))
        return record.ref

    def free(self, record: BookingRecord) -> str:
        self.step(record.ref, Requested(record))
        self.step(record.ref, RequestConfirmed(AT, free=True))
        return record.ref

    def po_to_follow(self, record: BookingRecord, hold_until: str) -> str:
        """An invoice booking with its PO to follow, confirmed by the booker: its places held until `hold_until`."""
        self.step(record.ref, Requested(record.model_copy(update={"po_to_follow": True, "po_hold_until": hold_until})))
        self.step(record.ref, RequestConfirmed(AT))
        return record.ref

    def quotation(self, record: BookingRecord, number: str, expires: str) -> str:
        """A quote request confirmed by the buyer: quotation `number`, its places held until `expires`."""
        self.step(record.ref, Requested(record.model_copy(update={"is_quote": True, "payment": "invoice"})))
        self.step(record.ref, RequestConfirmed(AT, quote_number=number, quote_expires=expires))
        return record.ref

    def requested(self, record: BookingRecord) -> str:
        self.step(record.ref, Requested(record))
        return record.ref

    def expired(self, record: BookingRecord) -> str:
        self.step(record.ref, CheckoutStarted(record))
        self.step(record.ref, Expired(AT))
        return record.ref

    def refund(self, ref: str, total_pence: int | None = None) -> None:
        """The organiser refunds in the Dashboard (in full unless `total_pence`); the webhook records it."""
        charged = self.record(ref).gross_pence
        self.step(ref, Refunded(charged if total_pence is None else total_pence, charged, AT))

    def void(self, ref: str) -> None:
        self.step(ref, Voided(AT))

    def substitute(self, ref: str, position: int, name: str, email: str, access_needs: str = "") -> BookingRecord:
        """The booker gives a delegate's place to someone else from the manage page."""
        before = self.record(ref)
        person = {"name": name, "email": email, "access_needs": access_needs}
        after = before.substitute(position, before.delegates[position].model_copy(update=person))
        self.step(
            ref, DelegatesChanged(after, (Change(position, before.delegates[position], after.delegates[position]),))
        )
        return self.record(ref)
