"""The one exception type for errors a user can cause, and how it prints."""

from __future__ import annotations


class ImrError(Exception):
    """A problem in user input: names the file, the line where there is one, and what to do.

    The CLI prints `str(error)` on one line and exits non-zero; it never shows a traceback.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        tail = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{tail}"


class LetterError(ImrError):
    """A letter that cannot be read or is not an IMR final determination."""


class PackError(ImrError):
    """A rule pack that does not load or validate."""


class RequestFormError(ImrError):
    """A pre-check request form with a missing or mistyped field."""
