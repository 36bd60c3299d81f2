"""Signed links: only we can make one, it opens for one purpose only, and not after it expires."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.links import LinkExpired, LinkInvalid, open_link, sign

SECRET = "a-test-secret-that-is-long-enough-0123456789"
PAYLOAD = {"ref": "CP-ABCDEF", "booking": {"delegates": [{"name": "Jürgen <a@evil.example>", "email": "j@x.de"}]}}


def _token(**changes: object) -> str:
    values: dict[str, object] = {"purpose": "confirm-invoice-request", "secret": SECRET, "expires_at": 2_000}
    values.update(changes)
    return sign(PAYLOAD, **values)  # type: ignore[arg-type]


def test_a_link_opens_for_its_purpose_before_it_expires():
    assert open_link(_token(), purpose="confirm-invoice-request", secret=SECRET, now=1_999) == PAYLOAD


def test_a_link_does_not_open_once_expired():
    with pytest.raises(LinkExpired):
        open_link(_token(), purpose="confirm-invoice-request", secret=SECRET, now=2_000)


@pytest.mark.parametrize(
    ("purpose", "secret"),
    [("manage-booking", SECRET), ("confirm-invoice-request", SECRET + "x")],
    ids=["another purpose", "another secret"],
)
def test_a_link_opens_nothing_else(purpose, secret):
    with pytest.raises(LinkInvalid):
        open_link(_token(), purpose=purpose, secret=secret, now=1)


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0), replacement=st.characters(codec="ascii"))
def test_any_change_to_a_link_is_refused(position, replacement):
    token = _token()
    index = position % len(token)
    changed = token[:index] + replacement + token[index + 1 :]
    if changed == token:
        return
    try:
        opened = open_link(changed, purpose="confirm-invoice-request", secret=SECRET, now=1)
    except LinkInvalid:
        return
    # Base64 padding bits: a change that decodes to the same bytes is the same link.
    assert opened == PAYLOAD


@pytest.mark.parametrize("token", ["", ".", "abc", "a.b.c", "é.é", "x" * 70_000])
def test_anything_else_is_refused_as_not_ours(token):
    with pytest.raises(LinkInvalid):
        open_link(token, purpose="confirm-invoice-request", secret=SECRET, now=1)
