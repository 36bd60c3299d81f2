"""The cold start's garbage-collector pause: only around the first invocation, what it made frozen, and the collector
left as it was."""

from __future__ import annotations

import gc

import pytest

from functions import coldstart


@pytest.fixture
def fresh_process(monkeypatch):
    monkeypatch.setattr(coldstart, "_first", True)
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()  # the test process's own objects go back to being collected
    if not was_enabled:
        gc.disable()


def test_the_first_invocation_runs_with_the_collector_paused_and_the_next_ones_without(fresh_process):
    seen = []
    for _ in range(3):
        with coldstart.first_invocation():
            seen.append(gc.isenabled())
        assert gc.isenabled()
    assert seen == [False, True, True]


def test_what_the_cold_start_made_is_never_walked_again_and_later_requests_freeze_nothing(fresh_process):
    gc.unfreeze()
    with coldstart.first_invocation():
        made = [[index] for index in range(10_000)]  # containers, as imports and validators make
    frozen = gc.get_freeze_count()
    assert frozen >= len(made)  # in the permanent generation: no collection walks them
    with coldstart.first_invocation():
        more = [[index] for index in range(10_000)]
    assert gc.get_freeze_count() == frozen
    assert len(more) == len(made)


def test_the_collector_resumes_when_the_first_invocation_fails(fresh_process):
    with pytest.raises(RuntimeError), coldstart.first_invocation():
        raise RuntimeError("the first request failed")
    assert gc.isenabled()


def test_a_collector_paused_by_someone_else_stays_paused(fresh_process):
    gc.disable()
    with coldstart.collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
    gc.enable()


def test_an_operators_pydantic_plugin_setting_is_kept():
    mine = {"PYDANTIC_DISABLE_PLUGINS": "logfire"}
    coldstart.skip_pydantic_plugins(mine)
    assert mine == {"PYDANTIC_DISABLE_PLUGINS": "logfire"}
    unset: dict[str, str] = {}
    coldstart.skip_pydantic_plugins(unset)
    assert unset == {"PYDANTIC_DISABLE_PLUGINS": "__all__"}
