"""Helpers for the tests of the commands around the day of the event: run them; cancel and substitute as people do."""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from booking.record import BookingRecord
from bookings.cli import main
from bookings.context import stripe_client
from bookings.export import find_bookings
from tests.backoffice.conftest import EVENT, ROOT, Received

# Zoom: Reports > Usage > Participants > Export, "with meeting data" ticked: the meeting's own row (with the
# host's e-mail) comes first, then a blank line and the participants.
ZOOM = (
    "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\r\n"
    "852 1848 6288,Caldicott and the police,09/14/2027 09:20:11 AM,09/14/2027 04:05:40 PM,host@events.example.org,406,3\r\n"
    "\r\n"
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent\r\n"
    "Priya Shah,Priya.Shah@NHS.net,09/14/2027 09:24:02 AM,09/14/2027 04:01:13 PM,398,No,Y\r\n"
    '"Ðurić, Zoë",zoe.duric@nhs.net,09/14/2027 09:25:40 AM,09/14/2027 12:30:00 PM,185,Yes,Y\r\n'
    "Priya Shah,priya.shah@nhs.net,09/14/2027 01:15:00 PM,09/14/2027 04:00:00 PM,165,No,Y\r\n"
    "Dial-in caller,,09/14/2027 09:30:00 AM,09/14/2027 10:00:00 AM,30,Yes,\r\n"
)

# Teams: Attendance > Download, a UTF-16 file with tabs in numbered sections; "3. In-Meeting Activities"
# repeats people who joined more than once.
TEAMS = (
    "1. Summary\n"
    "Meeting title\tCaldicott and the police\n"
    "Attended participants\t2\n"
    "Start time\t14/09/2027, 09:20:17\n"
    "\n"
    "2. Participants\n"
    "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\n"
    "Priya Shah\t14/09/2027, 09:24:02\t14/09/2027, 16:01:13\t6h 37m\tpriya.shah@nhs.net\tpriya.shah@nhs.net\tAttendee\n"
    "Jürgen Müller\t14/09/2027, 09:25:00\t14/09/2027, 16:00:00\t6h 35m\tjuergen@xn--mnchen-3ya.de\tjm@example.org\tAttendee\n"
    "\n"
    "3. In-Meeting Activities\n"
    "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole\n"
    "Priya Shah\t14/09/2027, 09:24:02\t14/09/2027, 12:00:00\t2h 36m\tpriya.shah@nhs.net\tAttendee\n"
    "Priya Shah\t14/09/2027, 13:00:00\t14/09/2027, 16:01:13\t3h 1m\tpriya.shah@nhs.net\tAttendee\n"
)

MANAGE_LINK = re.compile(r"https?://\S+/api/bookings/manage\?t=[A-Za-z0-9_.-]+")
BEFORE = datetime(2027, 9, 1, 9, 0, tzinfo=UTC)  # caldicott-police-2027 is on 14 September 2027
AFTER = datetime(2027, 9, 15, 9, 0, tzinfo=UTC)


@dataclass
class Run:
    status: int
    out: str
    err: str


class Office:
    """The back office pointed at the live stand-in and SMTP sink, with the site's events beside a far fee table."""

    def __init__(self, live: Any, folder: Path):
        self.live = live
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(live.fees_path, folder / "fees.yaml")
        shutil.copytree(ROOT / "content" / "events", folder / "events", dirs_exist_ok=True)
        self.folder = folder
        self.environ = {
            "STRIPE_SECRET_KEY": "sk_test_backoffice_dayof",
            "STRIPE_API_BASE": live.standin.api_base,
            "FEES_PATH": str(folder / "fees.yaml"),
            "SMTP_URL": live.smtp.url,
            "MAIL_FROM": "Conference Bookings <bookings@events.example.org>",
            "CONTACT_EMAIL": "bookings@events.example.org",
            "ORGANISER_NAME": "Health IG Conferences",
        }

    def run(self, *argv: str, now: datetime = BEFORE, **environ: str) -> Run:
        out, err = io.StringIO(), io.StringIO()
        status = main(list(argv), environ={**self.environ, **environ}, stdout=out, stderr=err, now=lambda: now)
        return Run(status, out.getvalue(), err.getvalue())

    def mail(self, subject_start: str) -> list[Received]:
        return [r for r in self.live.smtp.received if str(r.message["Subject"]).startswith(subject_start)]

    def record(self, ref: str) -> BookingRecord:
        api = stripe_client(self.environ)[0]
        (found,) = [b.record for b in find_bookings(api, EVENT, lambda *_: None) if b.record.ref == ref]
        return found

    def cancel(self, ref: str) -> BookingRecord:
        """Refund a card booking in full, as the organiser does in the Dashboard; the webhook marks it cancelled."""
        api = stripe_client(self.environ)[0]
        (found,) = [b for b in find_bookings(api, EVENT, lambda *_: None) if b.record.ref == ref]
        api.v1.refunds.create(params={"payment_intent": found.stripe_id})
        (after,) = [b.record for b in find_bookings(api, EVENT, lambda *_: None) if b.record.ref == ref]
        assert after.cancelled
        return after

    def substitute(self, ref: str, position: int, name: str, email: str) -> BookingRecord:
        """Replace a delegate in the booking the back office reads (the record on its PaymentIntent), as a
        substitution leaves it: the new person in the place, what the old one was sent due to the new one.

        The manage page now changes the booking in the store (tests/backoffice/test_manage*.py); until the back
        office reads the store too, this writes the same change where the back office looks today."""
        from booking import record as records

        api = stripe_client(self.environ)[0]
        (found,) = [b for b in find_bookings(api, EVENT, lambda *_: None) if b.record.ref == ref]
        before = found.record
        newcomer = before.delegates[position].model_copy(update={"name": name, "email": email, "access_needs": ""})
        intent = api.v1.payment_intents.retrieve(found.stripe_id)
        metadata = records.to_metadata(
            before.substitute(position, newcomer), previous=intent.metadata.to_dict() if intent.metadata else {}
        )
        api.v1.payment_intents.update(found.stripe_id, params={"metadata": metadata})
        after = self.record(ref)
        assert after.delegates[position].email == email and after.substitutions == before.substitutions + 1
        return after
