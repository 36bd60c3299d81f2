"""Any text with a character the record cannot hold as typed gets a 422 naming the field, before Stripe is asked."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from booking.text import BIDI_CONTROLS
from tests.functions.conftest import booking, make_settings, post_json

FORBIDDEN = st.one_of(
    st.characters(categories=("Cc",)),  # C0 (NUL, tab, CR, LF), DEL and C1
    st.sampled_from(sorted(BIDI_CONTROLS)),
)
FIELDS = [
    ("contact", "name"),
    ("contact", "organisation"),
    ("delegates", "name"),
    ("delegates", "job_title"),
    ("delegates", "organisation"),
]


@settings(max_examples=150, deadline=None)
@given(
    where=st.sampled_from(FIELDS),
    before=st.text(st.characters(categories=("L", "N")), min_size=1, max_size=20),
    bad=FORBIDDEN,
    after=st.text(st.characters(categories=("L", "N")), min_size=1, max_size=20),
)
def test_a_forbidden_character_anywhere_inside_is_a_422_on_that_field(where, before, bad, after):
    data = booking(2)
    group, field = where
    target = data["contact"] if group == "contact" else data["delegates"][1]
    target[field] = f"{before}{bad}{after}"
    response = post_json(make_settings(), data)  # the stand-in is not running: any Stripe call would fail
    assert response["statusCode"] == 422
    fields = [e["field"] for e in json.loads(response["body"])["errors"]]
    assert fields == ([f"contact.{field}"] if group == "contact" else [f"delegates.1.{field}"])
