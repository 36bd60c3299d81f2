"""Codes that run out and cannot be found by trying, over real HTTP against the function, the stand-in and the
local store: `uses: 2` books twice then refuses, also when ten bookings race for the last use; failed codes are
refused past the hour's limit whatever the Host header says."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from adapters.store import code_key
from flows.codes import CODE_ATTEMPTS_PER_HOUR
from pricing import CODE_REFUSED
from tests.backoffice.conftest import _serve, booking
from tests.fixture_site import FIXTURE_FEES
from tests.functions.conftest import JSON_HEADERS, http


@pytest.fixture(scope="module")
def limited_fees(tmp_path_factory) -> Path:
    text = FIXTURE_FEES.read_text(encoding="utf-8").split("\ncodes:")[0]
    text += "\ncodes:\n  TWICE15: {percent: 15, uses: 2}\n  ANY10: {percent: 10}\n"
    path = tmp_path_factory.mktemp("limited") / "fees.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def live(smtp, limited_fees, live_store):
    from devtools.stripe_standin.testing import running_standin

    yield from _serve(running_standin, smtp, limited_fees, live_store)


def _store(live):
    return live.settings.store()


def test_a_code_with_two_uses_books_twice_then_gets_the_one_message(live):
    answers = [live.post_json(booking(1, code="twice15", tag=f"-{i}")) for i in range(3)]
    assert [a.status for a in answers] == [201, 201, 422]
    assert answers[2].json()["errors"] == [{"field": "code", "message": CODE_REFUSED}]
    assert _store(live).counter(code_key("TWICE15")) == 2
    assert len(live.standin.sessions()) == 2


def test_ten_bookings_racing_for_the_last_use_take_it_once(live):
    assert live.post_json(booking(1, code="TWICE15", tag="-first")).status == 201
    start = threading.Barrier(10)
    statuses: list[int] = [0] * 10

    def book(i: int) -> None:
        start.wait()
        statuses[i] = live.post_json(booking(1, code="TWICE15", tag=f"-race{i}")).status

    threads = [threading.Thread(target=book, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [201] + [422] * 9
    assert _store(live).counter(code_key("TWICE15")) == 2


def test_failed_codes_are_refused_past_the_limit_whatever_the_host_header(live):
    for i in range(CODE_ATTEMPTS_PER_HOUR):
        headers = {**JSON_HEADERS, "Host": f"attacker-{i}.example"}
        answer = http(
            "POST", live.url + "/api/bookings", _json(booking(1, code=f"GUESS{i:03d}", tag=f"-g{i}")), headers
        )
        assert answer.status == 422 and answer.json()["errors"] == [{"field": "code", "message": CODE_REFUSED}]
    over = live.post_json(booking(1, code="ANY10", tag="-valid"))  # even a good code is not looked at now
    assert over.status == 429 and over.headers["retry-after"] == "3600"
    assert over.json()["errors"][0]["field"] == "code"
    assert "ANY10" not in over.text
    assert live.post_json(booking(1, tag="-nocode")).status == 201  # booking without a code still works


def _json(data) -> str:
    import json

    return json.dumps(data)
