"""Signed links: a token opens only what it was made for, by whom it was made, until it expires; any change breaks it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking import signed

SECRET = "a-secret-of-at-least-thirty-two-characters"
NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=100)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@given(data=st.dictionaries(TEXT, TEXT, max_size=4))
def test_what_is_signed_comes_back_until_it_expires(data):
    token = signed.sign(data, "manage", SECRET, LATER)
    assert signed.unsign(token, "manage", SECRET, NOW) == data
    assert token.isascii() and " " not in token  # safe in a URL as it is
    with pytest.raises(signed.Expired):
        signed.unsign(token, "manage", SECRET, LATER)


@given(position=st.integers(min_value=0), replacement=st.characters(exclude_categories=("Cs",)))
def test_any_changed_character_is_refused(position, replacement):
    token = signed.sign({"ref": "CP-ABCDEF", "src": "pi_123"}, "manage", SECRET, LATER)
    position %= len(token)
    tampered = token[:position] + replacement + token[position + 1 :]
    if tampered == token:
        return
    with pytest.raises(signed.BadSignature):
        signed.unsign(tampered, "manage", SECRET, NOW)


@pytest.mark.parametrize(
    ("purpose", "secret"),
    [("invoice", SECRET), ("manage", SECRET + "x"), ("manage", "")],
    ids=["another purpose", "another secret", "no secret"],
)
def test_a_token_opens_nothing_else(purpose, secret):
    token = signed.sign({"ref": "CP-ABCDEF"}, "manage", SECRET, LATER)
    with pytest.raises(signed.BadSignature) as refused:
        signed.unsign(token, purpose, secret, NOW)
    assert not isinstance(refused.value, signed.Expired)


def test_an_expired_token_that_was_changed_is_refused_as_changed_not_as_expired():
    token = signed.sign({"ref": "CP-ABCDEF"}, "manage", SECRET, NOW - timedelta(seconds=1))
    with pytest.raises(signed.Expired):
        signed.unsign(token, "manage", SECRET, NOW)
    payload, mac = token.split(".")
    with pytest.raises(signed.BadSignature) as refused:
        signed.unsign(f"{payload}.{mac[::-1]}", "manage", SECRET, NOW)
    assert not isinstance(refused.value, signed.Expired)


@pytest.mark.parametrize("token", ["", ".", "a.b.c", "x" * 5000, "eyJ9.===", "é.é"])
def test_junk_is_refused(token):
    with pytest.raises(signed.BadSignature):
        signed.unsign(token, "manage", SECRET, NOW)
