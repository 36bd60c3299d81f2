"""Problems the booking function answers with a status and a sentence for the person who sent it."""

from __future__ import annotations

from booking.request import FieldError


class BookingProblem(Exception):
    """A request the function refuses: the status plus every field error found."""

    def __init__(self, status: int, errors: list[FieldError], headers: dict[str, str] | None = None):
        self.status = status
        self.errors = errors
        self.headers = headers or {}
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))


class Unavailable(Exception):
    """Something the booking needs (the store, the mail server, a secret) is missing just now: 503 and a
    sentence for the person; nothing was booked or charged."""

    def __init__(self, message: str, status: int = 503):
        self.status = status
        self.message = message
        super().__init__(message)
