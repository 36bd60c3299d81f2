"""Every address the booking form accepts is one the mailer can deliver: its message and SMTP envelope are
accepted by aiosmtpd (which offers SMTPUTF8), whether the domain is international or the local part is."""

from __future__ import annotations

from email.message import EmailMessage

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from adapters.mail.compose import recipient_address
from adapters.mail.send import MailSession
from booking.request import Delegate
from booking.text import SMTPUTF8_CONTEXT

LETTERS = "abcdefghijklmnopqrstuvwxyzäöüßéèçñøåł"
LABEL = st.text(alphabet=LETTERS + "0123456789", min_size=1, max_size=12)
INTERNATIONAL = st.builds(
    lambda local, host, tld: f"{local}@{host}.{tld}",
    local=st.text(alphabet=LETTERS + "0123456789._-", min_size=1, max_size=16),
    host=LABEL,
    tld=st.sampled_from(["de", "uk", "org", "nhs.uk"]),
)
ADDRESSES = st.one_of(st.emails(), INTERNATIONAL)


# Each example is a real SMTP session: 60 of them cover both strategies and both settings many times over.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(address=ADDRESSES, smtputf8=st.booleans())
def test_any_accepted_address_builds_a_message_the_mail_server_accepts(smtp, address, smtputf8):
    try:
        person = Delegate.model_validate({"name": "Ann Bee", "email": address}, context={SMTPUTF8_CONTEXT: smtputf8})
    except ValidationError:
        return  # refused at booking, with a field error: never accepted and then undeliverable
    message = EmailMessage()
    message["From"] = "bookings@events.example.org"
    message["To"] = recipient_address(person)
    message["Subject"] = "Booking confirmed"
    message.set_content("Your place is booked.")
    before = len(smtp.received)
    with MailSession(smtp.url, None) as session:
        session.send(message)
    (received,) = smtp.received[before:]
    (envelope,) = received.rcpt_tos
    assert envelope.rpartition("@")[2].isascii()  # the domain always goes as IDNA
    assert smtputf8 or envelope.isascii()  # a non-ASCII local part only where SMTPUTF8 was allowed
