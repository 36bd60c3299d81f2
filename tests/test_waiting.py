"""tests/waiting.py: the shared "wait until" helper returns the first truthy answer and names what it waited for."""

from __future__ import annotations

import pytest

from tests.waiting import wait_until


def test_it_returns_the_first_truthy_answer_without_asking_again():
    answers = iter([None, [], ["mail"], ["never asked"]])
    asked: list[object] = []

    def predicate():
        asked.append(answer := next(answers))
        return answer

    assert wait_until(predicate, timeout=30, interval=0) == ["mail"]
    assert asked == [None, [], ["mail"]]


def test_it_fails_naming_what_it_waited_for_with_the_latest_state():
    state = {"log": "booting"}

    def predicate():
        state["log"] = "still booting"
        return False

    with pytest.raises(AssertionError, match="waiting for the banner; log: still booting"):
        wait_until(predicate, timeout=0, what=lambda: f"the banner; log: {state['log']}")
