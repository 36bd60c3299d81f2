"""`python -m bookings joining`: every confirmed delegate gets the joining details once; reruns reach only the new ones."""

from __future__ import annotations

import pytest

from booking.record import from_metadata
from tests.backoffice.conftest import EVENT, OTHER_EVENT, booking
from tests.backoffice.dayof import AFTER, Office

LINK = "https://zoom.us/j/81234567890?pwd=abc"
SUBJECT = "Joining instructions:"


@pytest.fixture
def office(live, tmp_path):
    return Office(live, tmp_path / "site")


def _recipients(office: Office) -> list[str]:
    return sorted(address for r in office.mail(SUBJECT) for address in r.rcpt_tos)


def test_each_confirmed_delegate_gets_them_once_and_late_bookings_on_the_next_run(live, office):
    two = live.book_card(booking(2, tag="-a"))
    cancelled = live.book_card(booking(1, tag="-b"))
    substituted = live.book_card(booking(1, tag="-c"))
    live.book_card(booking(1, tag="-unpaid"), pay=False)
    live.book_card(booking(1, event=OTHER_EVENT, tag="-other"))
    office.cancel(cancelled["booking_ref"])
    office.substitute(substituted["booking_ref"], 0, "Zoë Ðurić", "zoe.duric@nhs.net")

    first = office.run("joining", EVENT, "--link", LINK)

    assert first.status == 0, first.err
    assert first.out.strip() == "sent 3, already had them 0, skipped (cancelled) 1"
    assert _recipients(office) == ["delegate1-a@nhs.net", "delegate2-a@nhs.net", "zoe.duric@nhs.net"]

    second = office.run("joining", EVENT, "--link", LINK)
    assert second.out.strip() == "sent 0, already had them 3, skipped (cancelled) 1"
    assert len(office.mail(SUBJECT)) == 3

    late = live.book_card(booking(1, tag="-late"))
    third = office.run("joining", EVENT, "--link", LINK)
    assert third.out.strip() == "sent 1, already had them 3, skipped (cancelled) 1"
    assert office.mail(SUBJECT)[-1].rcpt_tos == ["delegate1-late@nhs.net"]
    assert len(office.mail(SUBJECT)) == 4
    assert {two["booking_ref"], late["booking_ref"]} <= {r.message["X-Booking-Ref"] for r in office.mail(SUBJECT)}


def test_a_substitute_gets_them_after_the_first_send_and_the_replaced_delegate_not_again(live, office):
    made = live.book_card(booking(2, tag="-s"))
    assert office.run("joining", EVENT, "--link", LINK).out.strip().startswith("sent 2,")

    office.substitute(made["booking_ref"], 1, "Αλέξανδρος Παπαδόπουλος", "alexandros@nhs.net")
    rerun = office.run("joining", EVENT, "--link", LINK)

    assert rerun.out.strip() == "sent 1, already had them 1, skipped (cancelled) 0"
    assert _recipients(office) == ["alexandros@nhs.net", "delegate1-s@nhs.net", "delegate2-s@nhs.net"]


def test_the_message_has_the_event_the_link_the_checklist_the_reference_and_the_organiser(live, office):
    made = live.book_card(booking(1, tag="-m"))
    office.run("joining", EVENT, "--link", LINK)

    (received,) = office.mail(SUBJECT)
    for part in (received.text, received.html):
        assert "Information Sharing &" in part
        assert "Tuesday 14 September 2083, 09:30 to 16:00 (UK time)" in part
        assert "https://zoom.us/j/81234567890?pwd=abc" in part
        assert "Test your microphone" in part
        assert "Join ten minutes before the start" in part
        assert made["booking_ref"] in part
        assert "bookings@events.example.org" in part
        assert "Health IG Conferences" in part
    assert 'href="https://zoom.us/j/81234567890?pwd=abc"' in received.html
    assert received.message["Reply-To"] == "bookings@events.example.org"
    assert received.message["To"].addresses[0].addr_spec == "delegate1-m@nhs.net"


def test_a_dry_run_lists_who_would_get_them_and_sends_and_records_nothing(live, office):
    made = live.book_card(booking(2, tag="-d"))

    dry = office.run("joining", EVENT, "--link", LINK, "--dry-run")

    assert dry.status == 0
    assert f"Delegate 1-d <delegate1-d@nhs.net> ({made['booking_ref']}, delegate 1)" in dry.out
    assert "delegate2-d@nhs.net" in dry.out
    assert dry.out.strip().endswith("would send 2, already had them 0, skipped (cancelled) 0")
    assert office.mail(SUBJECT) == []
    assert (
        office.run("joining", EVENT, "--link", LINK).out.strip() == "sent 2, already had them 0, skipped (cancelled) 0"
    )


def test_a_refused_recipient_does_not_stop_the_others_and_is_retried_next_time(live, office):
    live.book_card(booking(2, tag="-r"))
    live.smtp.refused.add("delegate1-r@nhs.net")

    first = office.run("joining", EVENT, "--link", LINK)

    assert first.status == 1
    assert first.out.strip() == "sent 1, already had them 0, skipped (cancelled) 0"
    assert "delegate1-r@nhs.net" in first.err and "550" in first.err
    assert _recipients(office) == ["delegate2-r@nhs.net"]

    live.smtp.refused.clear()
    again = office.run("joining", EVENT, "--link", LINK)
    assert (again.status, again.out.strip()) == (0, "sent 1, already had them 1, skipped (cancelled) 0")


@pytest.mark.parametrize(
    ("argv", "environ", "now", "message"),
    [
        (["--link", "http://zoom.us/j/1"], {}, None, "--link must be the meeting's https:// address"),
        (["--link", "zoom.us/j/1"], {}, None, "--link must be the meeting's https:// address"),
        (["--link", LINK], {"STRIPE_SECRET_KEY": ""}, None, "STRIPE_SECRET_KEY is not set"),
        (["--link", LINK], {}, AFTER, "took place on Tuesday 14 September 2083"),
        (["--link", LINK], {"SMTP_URL": "", "MAIL_OUTBOX": ""}, None, "no SMTP_URL or MAIL_OUTBOX is set"),
    ],
)
def test_mistakes_stop_with_one_line_and_a_non_zero_exit(office, argv, environ, now, message):
    result = office.run("joining", EVENT, *argv, **environ, **({"now": now} if now else {}))

    assert result.status != 0
    assert message in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert office.mail(SUBJECT) == []


def test_an_unknown_event_is_named_with_the_known_ones(office):
    result = office.run("joining", "no-such-event-2027", "--link", LINK)

    assert result.status == 2
    assert result.err.startswith("bookings: unknown event 'no-such-event-2027'")
    assert EVENT in result.err


def test_invoice_bookings_awaiting_payment_get_them_and_the_invoice_records_it(live, office):
    body, _ = live.book_invoice(booking(2, payment="invoice", tag="-i"))

    first = office.run("joining", EVENT, "--link", LINK)

    assert first.out.strip() == "sent 2, already had them 0, skipped (cancelled) 0"
    assert _recipients(office) == ["delegate1-i@nhs.net", "delegate2-i@nhs.net"]
    assert {r.message["X-Booking-Ref"] for r in office.mail(SUBJECT)} == {body["booking_ref"]}
    record = from_metadata(live.invoice_of(body["booking_ref"])["metadata"])
    assert record is not None and record.joining_sent == {0, 1}
    assert (
        office.run("joining", EVENT, "--link", LINK).out.strip() == "sent 0, already had them 2, skipped (cancelled) 0"
    )


def test_progress_goes_to_stderr_for_large_events(live, office, monkeypatch):
    monkeypatch.setattr("bookings.joining.PROGRESS_EVERY", 2)
    live.book_card(booking(4, tag="-p"))

    result = office.run("joining", EVENT, "--link", LINK)

    assert result.out.strip() == "sent 4, already had them 0, skipped (cancelled) 0"
    assert "bookings: joining instructions 2 of 4\nbookings: joining instructions 4 of 4\n" in result.err


def test_a_mail_server_that_turns_mail_away_records_nothing_and_a_rerun_sends_it(live, office):
    live.book_card(booking(2, tag="-u"))
    live.smtp.up = False

    down = office.run("joining", EVENT, "--link", LINK)

    assert down.status == 1
    assert down.out.strip() == "sent 0, already had them 0, skipped (cancelled) 0"
    assert down.err.count("not sent") == 3 and "run the same command again" in down.err
    live.smtp.up = True
    assert (
        office.run("joining", EVENT, "--link", LINK).out.strip() == "sent 2, already had them 0, skipped (cancelled) 0"
    )


def test_an_unreachable_mail_server_is_tried_once_and_nothing_is_recorded(live, office):
    import socket

    live.book_card(booking(3, tag="-n"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens here once the probe is closed

    result = office.run("joining", EVENT, "--link", LINK, SMTP_URL=f"smtp://127.0.0.1:{closed}")

    assert result.status == 1
    assert result.out.strip() == "sent 0, already had them 0, skipped (cancelled) 0"
    assert result.err.count("ConnectionRefusedError") == 1
    assert result.err.count("could not be reached") == 2
    assert office.run("joining", EVENT, "--link", LINK).out.strip().startswith("sent 3,")
