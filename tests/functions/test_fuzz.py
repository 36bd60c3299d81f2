"""Hypothesis throws malformed bookings at the Lambda handler: always a 4xx with field errors, never a Stripe call."""

from __future__ import annotations

import copy
import json
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from functions.lambda_handler import handle_event
from tests.functions.conftest import booking, lambda_event, make_settings

EXAMPLES = 400  # six tests: 2,400 malformed bodies in all
FUZZ = hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

junk_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.text(min_size=1001, max_size=1500),
    st.just("x" * 70_000),
)
junk = st.recursive(
    junk_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
not_text = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
too_long = st.text(min_size=256, max_size=600).filter(lambda s: len(s.strip()) > 255)
no_at = st.text(max_size=80).filter(lambda s: "@" not in s)

REQUIRED = [
    "event",
    "category",
    "contact",
    "delegates",
    "accept_terms",
    "contact.name",
    "contact.email",
    "contact.organisation",
    "delegates.0.name",
    "delegates.0.email",
]
TEXT_FIELDS = ["contact.name", "contact.email", "contact.organisation", "delegates.0.name", "delegates.0.email"]


@pytest.fixture(scope="module")
def standin():
    from devtools.stripe_standin.testing import running_standin

    with running_standin() as handle:
        yield handle


@pytest.fixture(scope="module")
def fuzz_settings(standin):
    return make_settings(stripe_api_base=standin.api_base, stripe_timeout_seconds=1.0)


def _set(data: dict, path: str, value, delete: bool = False) -> dict:
    data = copy.deepcopy(data)
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
    if delete:
        del node[last]
    else:
        node[last] = value
    return data


def _assert_refused(response: dict, standin) -> None:
    assert 400 <= response["statusCode"] < 500, response
    errors = json.loads(response["body"])["errors"]
    assert errors and all(set(e) == {"field", "message"} and e["field"] and e["message"] for e in errors)
    assert response["headers"]["X-Content-Type-Options"] == "nosniff"
    assert standin.requests == []


def _post(settings, body, content_type="application/json"):
    return handle_event(
        lambda_event("POST", "/api/bookings", body, {"content-type": content_type, "accept": "application/json"}),
        settings,
    )


@FUZZ
@given(body=junk)
def test_any_json_value_that_is_not_a_booking_is_refused(fuzz_settings, standin, body):
    _assert_refused(_post(fuzz_settings, json.dumps(body)), standin)


@FUZZ
@given(
    mutation=st.one_of(
        st.tuples(st.sampled_from(REQUIRED), st.just(None), st.just(True)),
        st.tuples(st.sampled_from([p for p in REQUIRED if p != "accept_terms"]), not_text, st.just(False)),
        st.tuples(st.sampled_from(TEXT_FIELDS), too_long, st.just(False)),
        st.tuples(st.sampled_from(["contact.email", "delegates.0.email"]), no_at, st.just(False)),
        st.tuples(
            st.just("accept_terms"), st.sampled_from([False, "no", "off", 0, "", "maybe", [], {}]), st.just(False)
        ),
        st.tuples(st.just("website"), st.text(min_size=1, max_size=50).filter(str.strip), st.just(False)),
        st.tuples(
            st.sampled_from(["payment"]), st.text(max_size=20).filter(lambda s: s not in ("card",)), st.just(False)
        ),
        st.tuples(st.sampled_from(["event", "category"]), st.text(max_size=60), st.just(False)),
        st.tuples(st.just("delegates"), st.lists(junk, max_size=3), st.just(False)),
    ),
    delegates=st.integers(min_value=1, max_value=3),
)
def test_a_booking_with_one_broken_field_is_refused(fuzz_settings, standin, mutation, delegates):
    path, value, delete = mutation
    data = _set(booking(delegates), path, value, delete)
    if (
        data.get("event") == booking()["event"]
        and data.get("category") == booking()["category"]
        and path in ("event", "category")
    ):
        data["event"] = "not-an-event"
    _assert_refused(_post(fuzz_settings, json.dumps(data)), standin)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: "{" + t)))
def test_broken_json_is_refused(fuzz_settings, standin, raw):
    try:
        json.loads(raw)
        return  # hypothesis made valid JSON: covered by the JSON-value test
    except ValueError:
        pass
    _assert_refused(_post(fuzz_settings, raw), standin)


form_keys = st.one_of(
    st.sampled_from(
        [
            "event",
            "category",
            "payment",
            "accept_terms",
            "website",
            "contact[name]",
            "contact[email]",
            "delegates[0][email]",
            "delegates[x][name]",
            "delegates[0]",
            "contact",
            "contact[][]",
            "delegates[999][name]",
            "delegates",
        ]
    ),
    st.text(max_size=20),
)


@FUZZ
@given(pairs=st.lists(st.tuples(form_keys, st.text(max_size=40)), max_size=12))
def test_junk_form_posts_are_refused(fuzz_settings, standin, pairs):
    _assert_refused(_post(fuzz_settings, urlencode(pairs), "application/x-www-form-urlencoded"), standin)


@FUZZ
@given(raw=st.one_of(st.binary(min_size=1, max_size=200), st.text(alphabet="%&=[]+abc0123456789xyzF", max_size=60)))
def test_broken_form_encoding_is_refused(fuzz_settings, standin, raw):
    _assert_refused(_post(fuzz_settings, raw, "application/x-www-form-urlencoded"), standin)


@FUZZ
@given(
    content_type=st.one_of(
        st.sampled_from(
            ["text/plain", "application/xml", "multipart/form-data; boundary=x", "", "application/jsonx", "text/json"]
        ),
        st.text(max_size=40),
    )
)
def test_wrong_content_types_are_refused(fuzz_settings, standin, content_type):
    if content_type.split(";")[0].strip().lower() in ("application/json", "application/x-www-form-urlencoded"):
        return
    response = _post(fuzz_settings, json.dumps(booking()), content_type)
    assert response["statusCode"] == 415
    _assert_refused(response, standin)
