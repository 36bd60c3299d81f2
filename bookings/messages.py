"""The back office's e-mails to delegates: joining instructions and the CPD certificate, text and HTML from theme/email/."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from adapters.content.events import EventFacts
from adapters.mail.compose import TEMPLATES, recipient_address, template_environment
from bookings.context import MailSettings, Organiser
from bookings.delivery import Place


def _message(
    place: Place, subject: str, template: str, context: dict[str, Any], mail: MailSettings, organiser: Organiser
) -> EmailMessage:
    env = template_environment(str(TEMPLATES))
    context = {"delegate": place.delegate, "record": place.record, "organiser": organiser, **context}
    domain = mail.mail_from.rsplit("@", 1)[-1].rstrip(">").strip() or "localhost"
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())
    message["From"] = mail.mail_from
    message["To"] = recipient_address(place.delegate)
    if organiser.email:
        message["Reply-To"] = organiser.email
    message["Message-ID"] = make_msgid(idstring=f"{place.record.ref}.{template}.{place.number}", domain=domain)
    message["X-Booking-Ref"] = place.record.ref
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(env.get_template(f"{template}.txt").render(**context))
    message.add_alternative(env.get_template(f"{template}.html").render(**context), subtype="html")
    return message


def joining_message(
    place: Place, event: EventFacts, link: str, mail: MailSettings, organiser: Organiser
) -> EmailMessage:
    return _message(
        place, f"Joining instructions: {event.title}", "joining", {"event": event, "link": link}, mail, organiser
    )


def certificate_message(
    place: Place,
    event: EventFacts,
    number: str,
    hours: str,
    pdf: bytes,
    filename: str,
    mail: MailSettings,
    organiser: Organiser,
) -> EmailMessage:
    message = _message(
        place,
        f"Your CPD certificate: {event.title}",
        "certificate",
        {"event": event, "number": number, "hours": hours},
        mail,
        organiser,
    )
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return message
