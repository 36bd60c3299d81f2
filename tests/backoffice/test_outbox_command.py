"""`python -m bookings outbox [--retry]`: what waits to be e-mailed, by booking and kind, and sending it; the
addresses shown on the organiser's terminal only, never in a log line."""

from __future__ import annotations

import logging

import pytest

from tests.backoffice.dayof import Office


@pytest.fixture
def office(booking_store, store_environ, smtp, far_fees, tmp_path):
    return Office(booking_store, store_environ, smtp, far_fees, tmp_path / "site")


def test_waiting_mail_is_listed_by_booking_and_kind_then_sent_once(office, caplog):
    caplog.set_level(logging.INFO)
    office.smtp.up = False
    made = office.card(office.make(2, "-w"))  # the confirmations go into the outbox; the server turns them away

    listing = office.run("outbox")

    assert listing.status == 0, listing.err
    lines = listing.out.strip().splitlines()
    assert (
        lines[0]
        == f"{made}  confirmation  3 recipients: priya.shah-w@nhs.net, delegate1-w@nhs.net, delegate2-w@nhs.net"
    )
    assert lines[1] == f"{made}  organisers  1 recipient: bookings@events.example.org"
    assert lines[-1] == "4 messages waiting, for 1 booking"

    still_down = office.run("outbox", "--retry")
    assert still_down.status == 1
    assert still_down.out.strip().splitlines()[-1] == "sent 0, refused 0, still waiting 4"
    assert "451" in still_down.err and "run `python -m bookings outbox --retry` again" in still_down.err

    office.smtp.up = True
    sent = office.run("outbox", "--retry")
    assert (sent.status, sent.out.strip().splitlines()[-1]) == (0, "sent 4, refused 0, still waiting 0")
    assert len(office.smtp.received) == 4
    again = office.run("outbox", "--retry")
    assert (again.status, again.out.strip()) == (0, "nothing is waiting in the outbox")
    assert len(office.smtp.received) == 4
    ours = ("adapters", "booking", "bookings", "flows", "functions")  # not the test's own SMTP server (mail.log)
    logged = " ".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in ours)
    assert "SMTP error" in logged  # the server's refusals were logged, by code
    assert "@nhs.net" not in logged and "Priya" not in logged


def test_a_refused_address_is_never_in_a_log_line(office, caplog):
    caplog.set_level(logging.INFO)
    office.smtp.refused.add("delegate1-n@nhs.net")

    made = office.card(office.make(2, "-n"))

    ours = ("adapters", "booking", "bookings", "flows", "functions")
    logged = [r.getMessage() for r in caplog.records if r.name.split(".")[0] in ours]
    assert any("SMTP error" in line and "550" in line for line in logged)
    assert not [line for line in logged if "@nhs.net" in line]
    (refused,) = [m for m in office.store.messages(made) if m.status == "refused"]
    assert refused.to == "delegate1-n@nhs.net" and refused.detail.startswith("550")


def test_retry_without_a_mail_server_is_one_line_and_exit_2(office):
    result = office.run("outbox", "--retry", SMTP_URL="", MAIL_OUTBOX="")

    assert result.status == 2
    assert "no SMTP_URL or MAIL_OUTBOX is set" in result.err and result.err.count("\n") == 1
