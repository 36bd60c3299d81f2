"""`python -m bookings joining`: every attending delegate gets the joining details once, through the booking's life and
the outbox; reruns reach only the new ones, and two runs at once send each delegate one message."""

from __future__ import annotations

import socket
import threading

import pytest

from tests.backoffice.conftest import EVENT, OTHER_EVENT
from tests.backoffice.dayof import AFTER, Office, Run

LINK = "https://zoom.us/j/81234567890?pwd=abc"
SUBJECT = "Joining instructions:"


@pytest.fixture
def office(booking_store, store_environ, smtp, far_fees, tmp_path):
    return Office(booking_store, store_environ, smtp, far_fees, tmp_path / "site")


def _recipients(office: Office) -> list[str]:
    return sorted(address for r in office.mail(SUBJECT) for address in r.rcpt_tos)


def _summary(sent: int, already: int, cancelled: int = 0, refused: int = 0, waiting: int = 0) -> str:
    return (
        f"sent {sent}, refused {refused}, waiting {waiting}, already had them {already}, "
        f"skipped (cancelled) {cancelled}"
    )


def test_each_attending_delegate_gets_them_once_and_late_bookings_on_the_next_run(office):
    two = office.card(office.make(2, "-a"))
    cancelled = office.card(office.make(1, "-b"))
    substituted = office.card(office.make(1, "-c"))
    office.card(office.make(1, "-unpaid"), pay=False)
    office.expired(office.make(1, "-lapsed"))
    office.requested(office.make(1, "-asked", payment="invoice"))
    office.card(office.make(1, "-other", event=OTHER_EVENT))
    office.refund(cancelled)
    office.substitute(substituted, 0, "Zoë Ðurić", "zoe.duric@nhs.net")

    first = office.run("joining", EVENT, "--link", LINK)

    assert first.status == 0, first.err
    assert first.out.strip() == _summary(3, 0, cancelled=1)
    assert _recipients(office) == ["delegate1-a@nhs.net", "delegate2-a@nhs.net", "zoe.duric@nhs.net"]
    assert office.record(two).joining_sent == {0, 1}

    second = office.run("joining", EVENT, "--link", LINK)
    assert (second.status, second.out.strip()) == (0, _summary(0, 3, cancelled=1))
    assert len(office.mail(SUBJECT)) == 3

    late = office.card(office.make(1, "-late"))
    third = office.run("joining", EVENT, "--link", LINK)
    assert third.out.strip() == _summary(1, 3, cancelled=1)
    assert office.mail(SUBJECT)[-1].rcpt_tos == ["delegate1-late@nhs.net"]
    assert len(office.mail(SUBJECT)) == 4
    assert {two, late} <= {r.message["X-Booking-Ref"] for r in office.mail(SUBJECT)}


def test_a_substitute_gets_them_after_the_first_send_and_the_replaced_delegate_not_again(office):
    made = office.card(office.make(2, "-s"))
    assert office.run("joining", EVENT, "--link", LINK).out.strip() == _summary(2, 0)

    office.substitute(made, 1, "Αλέξανδρος Παπαδόπουλος", "alexandros@nhs.net")
    rerun = office.run("joining", EVENT, "--link", LINK)

    assert rerun.out.strip() == _summary(1, 1)
    assert _recipients(office) == ["alexandros@nhs.net", "delegate1-s@nhs.net", "delegate2-s@nhs.net"]


def test_the_message_has_the_event_the_link_the_checklist_the_reference_and_the_organiser(office):
    made = office.card(office.make(1, "-m"))
    office.run("joining", EVENT, "--link", LINK)

    (received,) = office.mail(SUBJECT)
    for part in (received.text, received.html):
        assert "Information Sharing &" in part
        assert "Tuesday 14 September 2083, 09:30 to 16:00 (UK time)" in part
        assert "https://zoom.us/j/81234567890?pwd=abc" in part
        assert "Test your microphone" in part
        assert "Join ten minutes before the start" in part
        assert made in part
        assert "bookings@events.example.org" in part
        assert "Health IG Conferences" in part
    assert 'href="https://zoom.us/j/81234567890?pwd=abc"' in received.html
    assert received.message["Reply-To"] == "bookings@events.example.org"
    assert received.message["To"].addresses[0].addr_spec == "delegate1-m@nhs.net"
    # The outbox's stable id: a copy sent again would be folded by the delegate's mail client.
    assert received.message["Message-ID"].startswith(f"<{made}.joining.d0.v")


def test_a_dry_run_lists_who_would_get_them_and_changes_nothing(office):
    made = office.card(office.make(2, "-d"))
    version = office.store.get(made).version

    dry = office.run("joining", EVENT, "--link", LINK, "--dry-run", SMTP_URL="", MAIL_FROM="")

    assert dry.status == 0, dry.err
    assert f"Delegate 1-d <delegate1-d@nhs.net> ({made}, delegate 1)" in dry.out
    assert "delegate2-d@nhs.net" in dry.out
    assert dry.out.strip().endswith("would send 2, already had them 0, skipped (cancelled) 0")
    assert office.mail(SUBJECT) == []
    assert office.store.get(made).version == version and office.store.pending() == []
    assert office.run("joining", EVENT, "--link", LINK).out.strip() == _summary(2, 0)


def test_a_refused_recipient_does_not_stop_the_others_and_the_delegate_list_marks_it(office):
    made = office.card(office.make(2, "-r"))
    office.smtp.refused.add("delegate1-r@nhs.net")

    first = office.run("joining", EVENT, "--link", LINK)

    assert first.status == 1
    assert first.out.strip() == _summary(1, 0, refused=1)
    assert "delegate1-r@nhs.net" in first.err and "550" in first.err
    assert _recipients(office) == ["delegate2-r@nhs.net"]
    listed = office.run("export", EVENT)
    assert "delegate1-r@nhs.net,yes," in listed.out and "delegate2-r@nhs.net,," in listed.out

    # Refused for good: a rerun does not knock again; the booker corrects the address and the new one gets them.
    assert office.run("joining", EVENT, "--link", LINK).out.strip() == _summary(0, 2)
    office.substitute(made, 0, "Delegate 1-r", "delegate1-r@nhs.uk")
    assert office.run("joining", EVENT, "--link", LINK).out.strip() == _summary(1, 1)
    assert "delegate1-r@nhs.uk" in _recipients(office)


@pytest.mark.parametrize(
    ("argv", "environ", "now", "message"),
    [
        (["--link", "http://zoom.us/j/1"], {}, None, "--link must be the meeting's https:// address"),
        (["--link", "zoom.us/j/1"], {}, None, "--link must be the meeting's https:// address"),
        (["--link", LINK], {"BOOKINGS_TABLE": ""}, None, "BOOKINGS_TABLE is not set"),
        (["--link", LINK], {}, AFTER, "took place on Tuesday 14 September 2083"),
        (["--link", LINK], {"SMTP_URL": "", "MAIL_OUTBOX": ""}, None, "no SMTP_URL or MAIL_OUTBOX is set"),
    ],
)
def test_mistakes_stop_with_one_line_and_a_non_zero_exit(office, argv, environ, now, message):
    office.card(office.make(1, "-x"))
    result = office.run("joining", EVENT, *argv, **environ, **({"now": now} if now else {}))

    assert result.status == 2
    assert message in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert office.mail(SUBJECT) == [] and office.store.pending() == []


def test_an_unknown_event_is_named_with_the_known_ones(office):
    result = office.run("joining", "no-such-event-2027", "--link", LINK)

    assert result.status == 2
    assert result.err.startswith("bookings: unknown event 'no-such-event-2027'")
    assert EVENT in result.err


def test_a_bookings_table_that_cannot_be_reached_is_one_line_and_exit_3(office):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens here once the probe is closed

    result = office.run("joining", EVENT, "--link", LINK, DYNAMODB_ENDPOINT=f"http://127.0.0.1:{closed}")

    assert result.status == 3
    assert result.err.startswith(f"bookings: cannot use the bookings table {office.store.table}: it cannot be reached")
    assert result.err.count("\n") == 1


def test_invoice_bookings_awaiting_payment_get_them_and_the_booking_records_it(office):
    made = office.invoice(office.make(2, "-i", payment="invoice"))

    first = office.run("joining", EVENT, "--link", LINK)

    assert first.out.strip() == _summary(2, 0)
    assert _recipients(office) == ["delegate1-i@nhs.net", "delegate2-i@nhs.net"]
    assert {r.message["X-Booking-Ref"] for r in office.mail(SUBJECT)} == {made}
    assert office.record(made).joining_sent == {0, 1}
    assert office.run("joining", EVENT, "--link", LINK).out.strip() == _summary(0, 2)


def test_progress_goes_to_stderr_for_large_events(office, monkeypatch):
    monkeypatch.setattr("bookings.joining.PROGRESS_EVERY", 2)
    for tag in ("-p1", "-p2", "-p3", "-p4"):
        office.card(office.make(1, tag))

    result = office.run("joining", EVENT, "--link", LINK)

    assert result.out.strip() == _summary(4, 0)
    assert "bookings: joining instructions 2 of 4\nbookings: joining instructions 4 of 4\n" in result.err


def test_mail_turned_away_waits_in_the_outbox_and_the_next_run_sends_it_once(office):
    made = office.card(office.make(2, "-u"))
    office.smtp.up = False

    down = office.run("joining", EVENT, "--link", LINK)

    assert down.status == 1
    assert down.out.strip() == _summary(0, 0, waiting=2)
    assert down.err.count("waiting in the outbox: Delegate") == 2 and "outbox --retry" in down.err
    assert office.record(made).joining_sent == {0, 1}  # recorded with the messages: nothing is lost
    listing = office.run("outbox")
    assert f"{made}  joining  2 recipients: delegate1-u@nhs.net, delegate2-u@nhs.net" in listing.out

    office.smtp.up = True
    again = office.run("joining", EVENT, "--link", LINK)
    assert (again.status, again.out.strip()) == (0, _summary(2, 0))
    assert _recipients(office) == ["delegate1-u@nhs.net", "delegate2-u@nhs.net"]
    assert office.run("joining", EVENT, "--link", LINK).out.strip() == _summary(0, 2)


def test_an_unreachable_mail_server_is_tried_once_and_outbox_retry_sends_it_later(office, caplog):
    office.card(office.make(2, "-n"))
    office.card(office.make(1, "-n2"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens here once the probe is closed

    result = office.run("joining", EVENT, "--link", LINK, SMTP_URL=f"smtp://127.0.0.1:{closed}")

    assert result.status == 1
    assert result.out.strip() == _summary(0, 0, waiting=3)
    assert [
        r.getMessage().count("ConnectionRefusedError") for r in caplog.records if "SMTP error" in r.getMessage()
    ] == [1]
    assert result.err.count(": ConnectionRefusedError from 127.0.0.1") == 2  # the first booking's two, tried once
    assert result.err.count("not tried, the mail server could not be reached") == 1

    retried = office.run("outbox", "--retry")
    assert (retried.status, retried.out.strip().splitlines()[-1]) == (0, "sent 3, refused 0, still waiting 0")
    assert len(_recipients(office)) == 3
    assert office.run("outbox").out.strip() == "nothing is waiting in the outbox"


def test_two_runs_at_once_send_each_delegate_one_message(office):
    refs = [office.card(office.make(2, f"-t{n}")) for n in range(6)]
    runs: list[Run] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        runs.append(office.run("joining", EVENT, "--link", LINK))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert [r.status for r in runs] == [0, 0], [r.err for r in runs]
    assert _recipients(office) == sorted(f"delegate{d}-t{n}@nhs.net" for n in range(6) for d in (1, 2))
    assert sum(int(r.out.split(",")[0].removeprefix("sent ")) for r in runs) == 12
    assert all(office.record(ref).joining_sent == {0, 1} for ref in refs)
    assert office.run("joining", EVENT, "--link", LINK).out.strip() == _summary(0, 12)
