"""Helpers for the tests of the commands around the day of the event: run them; cancel and substitute as people do."""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from booking.record import BookingRecord
from bookings.cli import main
from bookings.context import stripe_client
from bookings.export import find_bookings
from tests.backoffice.conftest import EVENT, Received
from tests.fixture_site import FIXTURE_EVENTS
from tests.functions.conftest import FORM_HEADERS, http
from tests.waiting import wait_until

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

MANAGE_LINK = re.compile(r"https?://\S+/api/bookings/manage\?t=[A-Za-z0-9_.-]+")
BEFORE = datetime(2083, 9, 1, 9, 0, tzinfo=UTC)  # caldicott-police-2083 is on 14 September 2083
AFTER = datetime(2083, 9, 15, 9, 0, tzinfo=UTC)


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
        shutil.copytree(FIXTURE_EVENTS, folder / "events", dirs_exist_ok=True)
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
        """Replace a delegate as the booker does: from the private link in their confirmation e-mail."""
        before = self.record(ref)
        (link,) = wait_until(
            lambda: self._manage_links(before.contact.email, ref), timeout=30, what=f"the manage link for {ref}"
        )
        delegates = [d.model_dump() for d in before.delegates]
        delegates[position] = {**delegates[position], "name": name, "email": email}
        form = urlencode([(f"delegates[{i}][{k}]", v) for i, d in enumerate(delegates) for k, v in d.items()])
        saved = http("POST", link, form, FORM_HEADERS | {"accept": "text/html"})
        assert saved.status == 200, saved.text
        after = self.record(ref)
        assert after.delegates[position].email == email and after.substitutions == before.substitutions + 1
        return after

    def _manage_links(self, booker: str, ref: str) -> set[str]:
        confirmations = [r for r in self.live.smtp.to(booker) if r.message["X-Booking-Ref"] == ref]
        return {link for r in confirmations for link in MANAGE_LINK.findall(r.text)}
