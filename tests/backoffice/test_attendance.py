"""Reading the attendance reports Zoom and Teams export: the e-mail column found by its header, in either shape."""

from __future__ import annotations

import pytest

from bookings.attendance import AttendanceError, normalise_email, read_attendance
from tests.backoffice.dayof import TEAMS, ZOOM


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
