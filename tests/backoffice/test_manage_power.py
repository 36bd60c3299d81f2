"""What a manage link can and cannot do, over real HTTP with the store and aiosmtpd (issues 20 and 21): saves at
once never lose a change that was answered "saved"; mail down loses no message; the booker can revoke a link;
changes per day are capped; access needs stay with the delegate and the organisers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flows import manage as flow
from tests.backoffice.conftest import ORGANISERS
from tests.backoffice.managed import (
    NEW,
    SECRET_NEEDS,
    access_link,
    get_json,
    manage_link,
    paid_booking,
    post_form,
    post_json,
    record_of,
    send_mail,
    store,
    version_of,
)
from tests.functions.conftest import FORM_HEADERS, http


def _at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def run(index: int) -> None:
        start.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_eight_saves_at_once_each_changing_another_delegate_keep_every_saved_change(live):
    booked = paid_booking(live, delegates=8)
    version = version_of(live, booked.ref)

    def save(index: int):
        delegates = booked.delegates
        delegates[index] = {**NEW, "name": f"Sam Okafor {index}", "email": f"sam.okafor{index}@nhs.net"}
        if index % 2:
            return index, post_json(booked.link, {"delegates": delegates, "version": version})
        return index, post_form(booked.link, delegates, version)

    answers = _at_once(8, save)
    statuses = sorted(answer.status for _, answer in answers)
    assert statuses == [200] + [409] * 7, [(i, a.status, a.text[:200]) for i, a in answers]
    record = record_of(live, booked.ref)
    for index, answer in answers:
        mine = record.delegates[index].email == f"sam.okafor{index}@nhs.net"
        assert mine == (answer.status == 200), index  # every "saved" change is there, and only those
        if answer.status == 409 and index % 2:
            assert answer.json()["errors"][0]["field"] == "version"
        elif answer.status == 409:
            assert "Someone changed this booking a moment ago: here it is now" in answer.text
            assert "<script" not in answer.text and "Sam Okafor" in answer.text  # the booking as it is now
    assert version_of(live, booked.ref) == version + 1


def test_mail_down_during_a_substitution_still_saves_and_the_outbox_sends_one_confirmation_later(live):
    booked = paid_booking(live)
    before = len(live.smtp.received)
    live.smtp.up = False
    delegates = booked.delegates
    delegates[1] = NEW
    saved = post_form(booked.link, delegates, version=2)
    assert saved.status == 200 and "Your changes are saved" in saved.text
    assert "We could not send the e-mails just now" in saved.text
    assert len(live.smtp.received) == before and record_of(live, booked.ref).delegates[1].email == NEW["email"]
    assert len(store(live).pending(booked.ref)) == 4

    live.smtp.up = True
    first = send_mail(live)
    again = send_mail(live)
    assert len(first.sent) == 4 and first.complete and again.sent == []
    confirmations = [r for r in live.smtp.to(NEW["email"]) if "Booking confirmed" in str(r.message["Subject"])]
    assert len(confirmations) == 1
    assert len(live.smtp.to("delegate2@nhs.net")) == 2  # the first confirmation, then the one note
    assert store(live).pending(booked.ref) == []


def test_the_booker_replaces_the_link_and_the_old_one_opens_nothing(live):
    booked = paid_booking(live)
    answer = http("POST", booked.link, "action=new_link", FORM_HEADERS | {"accept": "text/html"})
    assert answer.status == 200 and "A new link is on its way" in answer.text
    assert booked.ref not in answer.text and booked.data["delegates"][0]["name"] not in answer.text

    for old in (live.get(booked.link), http("GET", booked.link, headers={"accept": "application/json"})):
        assert old.status == 403 and "this one no longer works" in old.text
        assert booked.ref not in old.text and booked.data["delegates"][0]["email"] not in old.text
    delegates = booked.delegates
    delegates[0] = NEW
    assert post_form(booked.link, delegates, version=3).status == 403
    assert http("POST", booked.link, "action=new_link", FORM_HEADERS).status == 403
    assert record_of(live, booked.ref).link_version == 1

    new = manage_link(live, booked.data["contact"]["email"], booked.ref, subject="A new link to your booking")
    assert new != booked.link
    (note,) = [r for r in live.smtp.received if "A new link" in str(r.message["Subject"])]
    assert note.rcpt_tos == [booked.data["contact"]["email"]]  # only the booker: never the page, never anyone else
    page = live.get(new)
    assert page.status == 200 and f"Your booking {booked.ref}" in page.text
    assert post_form(new, delegates, version=3).status == 200


def test_changes_per_day_are_capped_with_a_clear_page_and_a_new_link_still_works(live):
    booked = paid_booking(live)
    delegates = booked.delegates
    for n in range(flow.CHANGES_PER_DAY):
        delegates[0]["job_title"] = f"Lead {n}"
        assert post_form(booked.link, delegates, version=version_of(live, booked.ref)).status == 200
    delegates[0]["job_title"] = "One too many"
    refused = post_form(booked.link, delegates, version=version_of(live, booked.ref))
    assert refused.status == 429
    assert f"changed {flow.CHANGES_PER_DAY} times today" in refused.text and "nothing has been changed" in refused.text
    as_json = post_json(booked.link, {"delegates": delegates, "version": version_of(live, booked.ref)})
    assert as_json.status == 429 and "times today" in as_json.json()["errors"][0]["message"]
    assert record_of(live, booked.ref).delegates[0].job_title == f"Lead {flow.CHANGES_PER_DAY - 1}"
    assert http("POST", booked.link, "action=new_link", FORM_HEADERS).status == 200  # revoking is never capped


def test_the_link_holder_sees_only_whether_a_delegate_gave_access_needs(live):
    booked = paid_booking(live, needs={0: SECRET_NEEDS})
    page = live.get(booked.link)
    assert page.status == 200 and SECRET_NEEDS not in page.text
    assert "Access needs: given to the organisers" in page.text and "Access needs: none given" in page.text
    view = get_json(booked.link)
    assert SECRET_NEEDS not in str(view)
    assert [d["access_needs_given"] for d in view["delegates"]] == [True, False]
    assert all("access_needs" not in d for d in view["delegates"])
    delegates = booked.delegates
    delegates[1]["access_needs"] = "Captions"
    refused = post_json(booked.link, {"delegates": delegates, "version": 2})
    assert refused.status == 422 and refused.json()["errors"][0]["field"] == "delegates.1.access_needs"
    delegates[1].pop("access_needs")
    delegates[0]["job_title"] = "Caldicott Guardian"  # the same person stays: their access needs stay
    assert post_form(booked.link, delegates, version=2).status == 200
    assert record_of(live, booked.ref).delegates[0].access_needs == SECRET_NEEDS


def test_a_delegate_sees_and_changes_their_own_access_needs_from_their_confirmation(live):
    booked = paid_booking(live, needs={1: SECRET_NEEDS})
    mine = access_link(live, "delegate2@nhs.net", booked.ref)
    page = live.get(mine)
    assert page.status == 200 and SECRET_NEEDS in page.text
    assert booked.data["delegates"][0]["name"] not in page.text  # only their own place
    view = get_json(mine)
    assert view["access_needs"] == SECRET_NEEDS and view["delegate"] == 2
    before = len(live.smtp.received)

    saved = http(
        "POST", mine, f"access_needs=Live+captions&version={view['version']}", FORM_HEADERS | {"accept": "text/html"}
    )
    assert saved.status == 200 and "Your access needs are saved" in saved.text
    assert record_of(live, booked.ref).delegates[1].access_needs == "Live captions"
    received = live.wait_for_mail(before + 1)[before:]
    assert [r.rcpt_tos for r in received] == [[ORGANISERS]]  # not the booker: health data is not theirs
    assert "changed their access needs" in received[0].text and "Live captions" in received[0].text

    stale = post_json(mine, {"access_needs": "Something else", "version": view["version"]})
    assert stale.status == 409 and stale.json()["access_needs"] == "Live captions"
    too_long = post_json(mine, {"access_needs": "x" * 301, "version": view["version"] + 1})
    assert too_long.status == 422 and too_long.json()["errors"][0]["field"] == "access_needs"
    posted_delegates = http("POST", mine, "delegates[0][name]=Mallory&version=3", FORM_HEADERS)
    assert posted_delegates.status == 200  # the delegate's link opens their access needs, nothing else
    assert record_of(live, booked.ref).delegates[0].name == booked.data["delegates"][0]["name"]

    other = access_link(live, "delegate1@nhs.net", booked.ref)
    assert get_json(other)["access_needs"] == ""  # each link opens one place only


def test_a_replaced_delegates_access_link_opens_nothing(live):
    booked = paid_booking(live, needs={1: SECRET_NEEDS})
    old = access_link(live, "delegate2@nhs.net", booked.ref)
    delegates = booked.delegates
    delegates[1] = NEW
    assert post_form(booked.link, delegates, version=2).status == 200
    assert record_of(live, booked.ref).delegates[1].access_needs == ""  # the newcomer gives their own
    page = live.get(old)
    assert page.status == 403 and "gone to someone else" in page.text
    assert "Sam Okafor" not in page.text and booked.ref not in page.text
    send_mail(live)
    newcomer = access_link(live, NEW["email"], booked.ref)
    assert get_json(newcomer)["name"] == "Sam Okafor"


def test_the_manage_link_in_the_confirmation_says_what_it_can_do(live):
    booked = paid_booking(live)
    (message,) = [r for r in live.smtp.to(booked.data["contact"]["email"])]
    assert "We e-mail you about every change made" in message.text
    assert "Access needs" not in message.text  # the booker is no delegate here: no access-needs link
