"""Signed links: a token opens only what it was made for, by whom it was made, until it expires; any change breaks it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking import links

SECRET = "a-secret-of-at-least-thirty-two-characters"
NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC).timestamp()
LATER = int(NOW + timedelta(days=100).total_seconds())
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@given(data=st.dictionaries(TEXT, TEXT, max_size=4))
def test_what_is_signed_comes_back_until_it_expires(data):
    token = links.sign(data, purpose="manage", secret=SECRET, expires_at=LATER)
    assert links.open_link(token, purpose="manage", secret=SECRET, now=NOW) == data
    assert token.isascii() and " " not in token  # safe in a URL as it is
    with pytest.raises(links.LinkExpired):
        links.open_link(token, purpose="manage", secret=SECRET, now=LATER)


@given(position=st.integers(min_value=0), replacement=st.characters(exclude_categories=("Cs",)))
def test_any_changed_character_is_refused(position, replacement):
    token = links.sign({"ref": "CP-ABCDEF", "src": "pi_123"}, purpose="manage", secret=SECRET, expires_at=LATER)
    position %= len(token)
    tampered = token[:position] + replacement + token[position + 1 :]
    if tampered == token:
        return
    with pytest.raises(links.LinkInvalid):
        links.open_link(tampered, purpose="manage", secret=SECRET, now=NOW)


@pytest.mark.parametrize(
    ("purpose", "secret"),
    [("invoice", SECRET), ("manage", SECRET + "x")],
    ids=["another purpose", "another secret"],
)
def test_a_token_opens_nothing_else(purpose, secret):
    token = links.sign({"ref": "CP-ABCDEF"}, purpose="manage", secret=SECRET, expires_at=LATER)
    with pytest.raises(links.LinkInvalid):
        links.open_link(token, purpose=purpose, secret=secret, now=NOW)


def test_an_expired_token_that_was_changed_is_refused_as_changed_not_as_expired():
    token = links.sign({"ref": "CP-ABCDEF"}, purpose="manage", secret=SECRET, expires_at=int(NOW) - 1)
    with pytest.raises(links.LinkExpired):
        links.open_link(token, purpose="manage", secret=SECRET, now=NOW)
    payload, mac = token.split(".")
    with pytest.raises(links.LinkInvalid):
        links.open_link(f"{payload}.{mac[::-1]}", purpose="manage", secret=SECRET, now=NOW)


@pytest.mark.parametrize("token", ["", ".", "a.b.c", "x" * 70_000, "eyJ9.===", "é.é"])
def test_junk_is_refused(token):
    with pytest.raises(links.LinkInvalid):
        links.open_link(token, purpose="manage", secret=SECRET, now=NOW)
