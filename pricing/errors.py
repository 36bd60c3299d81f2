"""Errors written for the person who has to fix them: an organiser or a delegate."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an organiser's file, reported as `file: field: message`."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class FeeTableError(Exception):
    """The fee table (or the events joined to it) cannot be trusted; every problem is listed."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class QuoteError(ValueError):
    """A quote was asked for something the fee table does not sell.

    `code` is stable (unknown_event, unknown_category, bad_delegates, bad_payment) so that
    callers can map it to an HTTP status or a form field without parsing the message.
    """

    def __init__(self, code: str, field: str, message: str):
        self.code = code
        self.field = field
        self.message = message
        super().__init__(message)


# Codes are secrets: whoever types one that cannot be used learns nothing from the answer (not whether it
# exists, nor for which event or until when), and no answer names a code or gives one as an example.
CODE_REFUSED = (
    "This discount code cannot be used for this booking. Check it, or leave the box empty to book without one."
)


class CodeError(QuoteError):
    """A discount code that cannot be used for this booking: unknown, expired or for another event.

    Always on field "code" with one and the same message (CODE_REFUSED, a 422 at the booking function);
    `code` says which case it was and `detail` explains it, for the organiser's own command line only.
    """

    def __init__(self, code: str, detail: str):
        super().__init__(code, "code", CODE_REFUSED)
        self.detail = detail
