"""The mail room as the function's settings configure it: who messages are from, what a message about a booking
says besides the booking (its event, payment, manage link), and the mail server (SMTP_URL or MAIL_OUTBOX)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.mail.send import MailSession
from flows.payments import Mailroom

if TYPE_CHECKING:
    from functions.settings import Settings


def mailroom(settings: Settings) -> Mailroom:
    """The letterhead, what a message about a booking says besides the booking (functions.manage.about: its event,
    payment and private links) and the mail server, as the settings configure them."""
    from functions.manage import about, letterhead

    return Mailroom(
        letterhead=letterhead(settings),
        about=lambda booking: about(booking, settings),
        session=lambda: MailSession(settings.smtp_url, settings.mail_outbox),
    )
