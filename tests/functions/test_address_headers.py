"""Every message the project sends, for any name and address the booking form accepts: each address header,
parsed back as a mail reader would (email.policy.default), holds exactly the intended recipients, so no name
(RFC 2047 encoded words, quotes, commas, angle brackets) ever becomes header syntax."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from adapters.content.events import event_facts
from adapters.mail.compose import About, Letterhead, compose
from booking.life import Change, CreditNoteFacts, Kind, RefundFacts, ReminderFacts, Send
from booking.record import Attendee, BookingRecord, Contact
from bookings.context import Organiser
from functions.bookings import BookingProblem, price, validate
from tests.functions.conftest import OPEN_EVENT, make_settings

ROOT_EVENTS = make_settings().fees_path.parent / "events"
MAIL_FROM = "Conference Bookings <bookings@events.example.org>"
ORGANISERS = "organisers@events.example.org"
INJECTED = "=?utf-8?q?Bcc=3A_z=40evil=2Eexample?="

# Pieces that mean something to an address parser or an RFC 2047 decoder, mixed with ordinary text.
SYNTAX = [
    INJECTED,
    "=?utf-8?q?",
    "=?UTF-8?B?",
    "=?iso-8859-1?q?",
    "?=",
    "=3A",
    "=40",
    "=2C",
    "YUBiLmMsIGQ=",
    "Bcc:",
    "Cc: ",
    "z@evil.example",
    ",",
    ";",
    "<",
    ">",
    '"',
    "\\",
    "(",
    ")",
    ":",
    "@",
    "=",
    "?",
    "_",
    " ",
    "Jürgen",
    "Zoë",
    "Aaaaaaaaaaaaaaaaaaaaaaaaa ",  # long names: the header is folded over lines
    "Dr. Bbbbbbbbbbbbbbbbbbbbbb",
    "李",
]
names = st.lists(
    st.one_of(st.sampled_from(SYNTAX), st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=4)),
    min_size=1,
    max_size=10,
).map("".join)
# Each domain with the form the mail server is given (IDNA): an address's intended recipient.
DOMAINS = {"nhs.net": "nhs.net", "acme.co.uk": "acme.co.uk", "münchen.de": "xn--mnchen-3ya.de"}
locals_ = st.from_regex(r"[a-z0-9](?:[a-z0-9_+-]|\.(?=[a-z0-9])){0,15}", fullmatch=True)
emails = st.builds(lambda local, domain: f"{local}@{domain}", locals_, st.sampled_from(sorted(DOMAINS)))


def intended(address: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local}@{DOMAINS[domain]}"


# Who each kind of message goes to (booking/life.py): the booker, a delegate, or the organisers (to=None).
BOOKER_KINDS = {
    Kind.CONFIRMATION,
    Kind.CHANGED,
    Kind.REFUND,
    Kind.VOID,
    Kind.REQUEST,
    Kind.LINK,
    Kind.QUOTE,
    Kind.PO_LINK,
    Kind.PO_REMINDER,
    Kind.PO_LAPSED,
    Kind.REMINDER,
    Kind.CREDIT_NOTE,
}
# What a reminder and a credit note carry (booking.life): the facts their e-mails are written from.
REMINDER = ReminderFacts(day=7, due="2027-09-01", amount_pence=100)
CREDIT = CreditNoteFacts(id="cn_1", number="ABC-0001-CN-01", invoice_number="ABC-0001", total_pence=100)
DELEGATE_KINDS = {Kind.CONFIRMATION, Kind.REPLACED, Kind.JOINING, Kind.CERTIFICATE}


def parsed(message: EmailMessage) -> EmailMessage:
    """The message as it goes on the wire and as a mail reader reads it back."""
    return email.message_from_bytes(message.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)  # type: ignore[return-value]  # default policy parses to EmailMessage


def addresses(message: EmailMessage, header: str) -> list[str]:
    found = message[header]
    return [] if found is None else [a.addr_spec for a in found.addresses]


def assert_sent_to(message: EmailMessage, to: str, reply_to: str = ORGANISERS) -> None:
    back = parsed(message)
    assert addresses(back, "To") == [to], str(back["To"])
    assert addresses(back, "From") == ["bookings@events.example.org"]
    assert addresses(back, "Reply-To") == [reply_to]
    assert [h for h in ("Cc", "Bcc", "Resent-To", "Sender") if back[h] is not None] == []


def the_booking(people: list[tuple[str, str]], payment: str) -> dict:
    (contact_name, contact_email), *delegates = people
    data: dict = {
        "event": OPEN_EVENT,
        "category": "public-sector",
        "payment": payment,
        "contact": {"name": contact_name, "email": contact_email, "organisation": "Leeds Teaching Hospitals"},
        "delegates": [{"name": name, "email": address} for name, address in delegates],
        "accept_terms": True,
    }
    if payment == "invoice":
        data["billing"] = {"name": "Accounts Payable", "email": "ap@nhs.net", "address": "1 Street\nLeeds"}
    return data


@pytest.fixture(scope="module")
def fees():
    from pricing import load_fee_table

    return load_fee_table(make_settings().fees_path)


# The form refuses many generated names and addresses (assume() skips them): that filtering is expected.
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(
    people=st.lists(st.tuples(names, emails), min_size=2, max_size=4),
    payment=st.sampled_from(["card", "invoice"]),
)
def test_every_message_reaches_exactly_its_recipients_whatever_the_names(fees, people, payment):
    try:
        booking = validate(the_booking(people, payment), fees)
    except BookingProblem:
        assume(False)  # a name or address the form refuses is never in a message
    config = make_settings(mail_from=MAIL_FROM, contact_email=ORGANISERS, events_dir=ROOT_EVENTS)
    priced = price(booking, fees, datetime(2027, 6, 1, 9, tzinfo=UTC))
    record: BookingRecord = priced.record
    event = event_facts(record.event, ROOT_EVENTS)
    booker = intended(record.contact.email)

    newcomer = Attendee(name=record.contact.name, email=record.contact.email)  # a name already shown to be hostile
    changed = record.model_copy(update={"delegates": (newcomer, *record.delegates[1:])})

    # The one mail path (adapters/mail/compose.py): every kind of message, to the booker, each delegate, the organisers.
    letterhead = Letterhead(sender=MAIL_FROM, organisers=ORGANISERS, site_url=config.site_url)
    links = {"manage": "m", "request": "r", "joining": "j"}
    # The back office signs joining instructions and certificates off with its own organiser (bookings.context).
    back_office = {"organiser": Organiser(name="Health IG", email=ORGANISERS), "number": "C-1", "hours": "6"}
    change = Change(position=0, before=record.delegates[0], after=newcomer)
    refund = RefundFacts(total_pence=100, earlier_pence=0, charged_pence=100)
    last = changed.delegates[-1]
    for kind in Kind:
        people: list[tuple[Attendee | Contact | None, bool, str]] = []
        if kind in BOOKER_KINDS:
            people.append((changed.contact, True, booker))
        if kind in DELEGATE_KINDS:
            people += [(newcomer, False, booker), (last, False, intended(last.email))]
        if kind == Kind.ORGANISERS:
            people.append((None, False, ORGANISERS))
        assert people, kind
        extra = back_office if kind in (Kind.JOINING, Kind.CERTIFICATE) else {}
        if kind == Kind.REQUEST:  # an invoice request; what functions/invoice_request.py gives its template
            if payment != "invoice":
                continue
            extra = {"booking": booking, "ref": record.ref, "total": "£1.00", "expires": "17:00 on Monday"}
        about = About(record=changed, event=event, links=links, extra=extra)
        for n, (person, is_booker, to) in enumerate(people):
            send = Send(
                f"{record.ref}.{kind.value}.{n}",
                kind,
                person,
                is_booker,
                0,
                (change,),
                refund,
                reminder=REMINDER if kind == Kind.REMINDER else None,
                credit=CREDIT if kind == Kind.CREDIT_NOTE else None,
            )
            message = compose(send, about, letterhead)
            assert message is not None
            assert_sent_to(message, to)


def test_an_encoded_word_in_a_name_reaches_one_recipient_and_stays_text(fees):
    booking = validate(the_booking([("Priya Shah", "priya@nhs.net"), (INJECTED, "x3@acme.co.uk")], "card"), fees)
    record = booking.to_record("ABC-123", ())
    (to,) = parsed(_to_second_delegate(record))["To"].addresses
    assert (to.display_name, to.addr_spec) == ("utf-8?q?Bcc=3A_z=40evil=2Eexample?=", "x3@acme.co.uk")


@pytest.mark.parametrize(
    "name",
    [
        "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa Bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb z@evil.example, y@evil.example",
        "=?x ?= Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa Bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb z@evil.example",
        "Dr. Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa Bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    ],
)
def test_a_long_name_folded_over_lines_is_still_one_recipient(fees, name):
    # Python's email package drops the quotes of a long quoted display name when it folds the header.
    booking = validate(the_booking([("Priya Shah", "priya@nhs.net"), (name, "x3@acme.co.uk")], "card"), fees)
    record = booking.to_record("ABC-123", ())
    assert [a.addr_spec for a in parsed(_to_second_delegate(record))["To"].addresses] == ["x3@acme.co.uk"]


def _to_second_delegate(record: BookingRecord) -> EmailMessage:
    """The confirmation to the booking's first delegate, composed on the one mail path."""
    event = event_facts(record.event, ROOT_EVENTS)
    send = Send(f"{record.ref}.confirmation.d0", Kind.CONFIRMATION, record.delegates[0], position=0)
    message = compose(send, About(record=record, event=event), Letterhead(sender=MAIL_FROM))
    assert message is not None
    return message
