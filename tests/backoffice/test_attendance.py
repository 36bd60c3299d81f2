"""Reading the attendance reports Zoom and Teams export: the e-mail column found by its header, in either shape."""

from __future__ import annotations

import pytest

from bookings.attendance import AttendanceError, normalise_email, read_attendance

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


def test_zoom_participants_are_read_without_the_host_row_of_the_meeting_block(tmp_path):
    path = tmp_path / "participants_85218486288.csv"
    path.write_bytes(ZOOM.encode("utf-8-sig"))

    found = read_attendance(path)

    assert [(a.name, a.email) for a in found] == [
        ("Priya Shah", "Priya.Shah@NHS.net"),
        ("Ðurić, Zoë", "zoe.duric@nhs.net"),
    ]


def test_teams_utf16_report_with_sections_is_read_from_its_participants(tmp_path):
    path = tmp_path / "meetingAttendanceReport.csv"
    path.write_bytes(TEAMS.encode("utf-16"))

    found = read_attendance(path)

    assert [a.email for a in found] == ["priya.shah@nhs.net", "juergen@xn--mnchen-3ya.de"]
    assert normalise_email(found[1].email) == "juergen@münchen.de"


@pytest.mark.parametrize(
    ("address", "same_as"),
    [
        ("Priya.Shah@NHS.net", "priya.shah@nhs.net"),
        (" <priya.shah@nhs.net> ", "priya.shah@nhs.net"),
        ("juergen@xn--mnchen-3ya.de", "juergen@münchen.de"),
        ("JUERGEN@MÜNCHEN.DE", "juergen@münchen.de"),
    ],
)
def test_addresses_match_whatever_their_case_or_domain_spelling(address, same_as):
    assert normalise_email(address) == normalise_email(same_as)


def test_a_report_without_an_email_column_is_refused_with_what_it_starts_with(tmp_path):
    path = tmp_path / "names-only.csv"
    path.write_text("Name,Join Time\nPriya Shah,09:24\n", encoding="utf-8")

    with pytest.raises(AttendanceError, match=r"no e-mail column found.*'Name,Join Time'"):
        read_attendance(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(AttendanceError, match=r"cannot read .*missing\.csv"):
        read_attendance(tmp_path / "missing.csv")
