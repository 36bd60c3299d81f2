"""Whatever the manage form sends, the answer is a 4xx with field errors or a save, never a 500, and never a change
to another booking."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from booking import record as records
from booking.request import DelegateChanges
from tests.backoffice.conftest import booking, http
from tests.backoffice.test_manage import MANAGE_LINK
from tests.functions.conftest import FORM_HEADERS, JSON_HEADERS

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


def _metadata(live, ref: str) -> dict[str, str]:
    (intent,) = [i for i in live.standin.app.payment_intents() if i["metadata"].get(records.REF_KEY) == ref]
    return dict(intent["metadata"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(delegates=_delegates, as_form=st.booleans())
def test_any_change_is_field_errors_or_a_save_and_never_touches_another_booking(live, delegates, as_form):
    if not hasattr(live, "fuzz"):  # two bookings per test, shared by its examples
        ours = live.book_card(booking(2, tag="-ours"))["booking_ref"]
        theirs = live.book_card(booking(2, tag="-theirs"))["booking_ref"]
        live.wait_for_mail(8)
        (message,) = live.smtp.to("priya.shah-ours@nhs.net")
        (link,) = set(MANAGE_LINK.findall(message.text))
        live.fuzz = (ours, theirs, link, _metadata(live, theirs))
    ours, theirs, link, untouched = live.fuzz

    if as_form:
        delegates = [{k: str(v) for k, v in d.items()} for d in delegates]
        pairs = [(f"delegates[{i}][{k}]", v) for i, d in enumerate(delegates) for k, v in d.items()]
        answer = http("POST", link, urlencode(pairs), FORM_HEADERS | {"accept": "text/html"})
    else:
        answer = http("POST", link, json.dumps({"delegates": delegates}), JSON_HEADERS)

    assert answer.status in (200, 422), answer.text
    event(f"answered {answer.status}")
    assert _metadata(live, theirs) == untouched
    if answer.status == 422 and not as_form:
        errors = answer.json()["errors"]
        assert errors and all(e["field"].split(".")[0] == "delegates" and e["message"] for e in errors)
    if answer.status == 422 and as_form:
        assert "There is a problem" in answer.text and "Nothing has been changed" in answer.text
    if answer.status == 200:
        accepted = DelegateChanges.model_validate({"delegates": delegates}).delegates
        saved = records.from_metadata(_metadata(live, ours))
        assert saved is not None and saved.ref == ours
        assert [d.model_dump() for d in saved.delegates] == [d.model_dump() for d in accepted]
