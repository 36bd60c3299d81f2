"""Whatever the manage form sends (any delegates, any version), the answer is field errors (422), a conflict (409) or
a save (200), never a 500, and never a change to another booking."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from booking.request import DelegateChanges
from flows import manage as flow
from tests.backoffice.managed import get_json, paid_booking, store
from tests.functions.conftest import FORM_HEADERS, JSON_HEADERS, http

FIELDS = ("name", "email", "job_title", "organisation", "access_needs")
# Text people type, and text they should not: controls, bidi overrides, zero-width, very long, NUL.
_text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=400),
    st.sampled_from(["", " ", "\x00", "Sam\u202eLee", "\u200b", "A\r\nB", "=1+1", "<b>x</b>", "Zoë Ångström"]),
)
_plausible = st.builds(
    "{} {}".format, st.sampled_from(["Sam", "Zoë", "Siobhán", "李", "O'Neil"]), st.text("abcdefghij", min_size=1)
)
_text = st.one_of(_plausible, _text)
_email = st.one_of(
    st.builds("{}@nhs.net".format, st.text("abcdefghij.", min_size=1, max_size=20).filter(lambda t: ".." not in t)),
    st.emails(),
    st.sampled_from(["sam@example.org", "not an address", "juergen@münchen.de", ""]),
)
_value = st.one_of(_text, st.none(), st.integers(), st.lists(st.text(max_size=3), max_size=2))
_delegate = st.fixed_dictionaries(
    {"name": _text, "email": _email}, optional={"job_title": _text, "organisation": _text, "access_needs": _value}
)
_delegates = st.one_of(st.lists(_delegate, min_size=2, max_size=2), st.lists(_delegate, max_size=3))


_version = st.one_of(
    st.sampled_from(["current", "current", "stale"]),
    st.none(),
    st.integers(min_value=-3, max_value=10**12),
    st.sampled_from(["", "two", "1.0", " 2 ", "\x00"]),
)


# Each example is an HTTP save and reads back both bookings from the store.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(delegates=_delegates, as_form=st.booleans(), version=_version)
def test_any_change_is_field_errors_a_conflict_or_a_save_and_never_touches_another_booking(
    live, monkeypatch, delegates, as_form, version
):
    monkeypatch.setattr(flow, "CHANGES_PER_DAY", 10_000)  # the cap has its own test; here every save may count
    if not hasattr(live, "fuzz"):  # two bookings per test, shared by its examples
        ours = paid_booking(live, tag="-ours")
        theirs = paid_booking(live, tag="-theirs")
        live.fuzz = (ours, theirs.ref, store(live).get(theirs.ref))
    ours, theirs, untouched = live.fuzz
    current = get_json(ours.link)["version"]
    sent_version = {"current": current, "stale": current - 1}.get(version, version)  # type: ignore[arg-type]

    if as_form:
        delegates = [{k: str(v) for k, v in d.items()} for d in delegates]
        pairs = [(f"delegates[{i}][{k}]", v) for i, d in enumerate(delegates) for k, v in d.items()]
        if sent_version is not None:
            pairs.append(("version", str(sent_version)))
        answer = http("POST", ours.link, urlencode(pairs), FORM_HEADERS | {"accept": "text/html"})
    else:
        body = {"delegates": delegates} | ({"version": sent_version} if sent_version is not None else {})
        answer = http("POST", ours.link, json.dumps(body), JSON_HEADERS)

    assert answer.status in (200, 409, 422), answer.text
    event(f"answered {answer.status}")
    assert store(live).get(theirs) == untouched
    if answer.status == 422 and not as_form:
        errors = answer.json()["errors"]
        assert errors and all(e["field"].split(".")[0] in ("delegates", "version") and e["message"] for e in errors)
    if answer.status == 422 and as_form:
        assert "There is a problem" in answer.text and "Nothing has been changed" in answer.text
    if answer.status == 409:
        assert sent_version != current and store(live).get(ours.ref).version == current
    if answer.status == 200:
        accepted = DelegateChanges.model_validate({"delegates": delegates}).delegates
        saved = store(live).get(ours.ref).record
        assert saved.ref == ours.ref
        assert [d.model_dump(exclude={"access_needs"}) for d in saved.delegates] == [
            d.model_dump(exclude={"access_needs"}) for d in accepted
        ]
        assert all(not d.access_needs for d in accepted)  # the link holder never sets access needs
