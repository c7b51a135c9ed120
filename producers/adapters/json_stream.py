"""Cutting a large JSON document into the verbatim texts of its parts, streaming, with their line numbers.

The OCDS adapter needs, for every release of a package, the line the release starts on and its
original text (for the rejects file and the dead-letter topic). Incremental parsers such as ijson
yield neither, so this scanner only finds where values begin and end (brackets, strings) and leaves
parsing each part to ``json.loads``. Memory holds one part plus one read chunk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TextIO

_BLANK = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_STRUCTURE = re.compile(r'[\[\]{}"]')
_SCALAR = re.compile(r'[^\s,:\[\]{}"]+')
EXCERPT_CHARS = 1000  # what is kept of a value too long to capture


class JsonSyntaxError(ValueError):
    """The document is not JSON at ``line``; ``text`` is what was read of the broken part."""

    def __init__(self, line: int, message: str, text: str = "") -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message
        self.text = text


class Truncated(JsonSyntaxError):
    """The file ends inside a value."""


class TooLarge(ValueError):
    """A captured value (or line) is longer than the scanner may hold; the cursor is past it.

    ``size`` is its length in characters, ``excerpt`` its first :data:`EXCERPT_CHARS` characters.
    """

    def __init__(self, line: int, size: int, excerpt: str) -> None:
        super().__init__(f"line {line}: {size:,} characters")
        self.line = line
        self.size = size
        self.excerpt = excerpt


class Scanner:
    """A cursor over a JSON text read chunk by chunk; it consumes whole values without parsing them."""

    def __init__(
        self, handle: TextIO, first_line: int = 1, chunk_size: int = 1 << 20, max_capture: int | None = None
    ) -> None:
        """``max_capture``: the longest text a capture may hold (characters); a longer one raises
        :class:`TooLarge` once it is consumed, having kept only its excerpt in memory."""
        self._handle = handle
        self._chunk_size = chunk_size
        self._max_capture = max_capture
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._dropped = 0  # characters dropped before the buffer's start
        self._keep: int | None = None  # start of the text being captured: not dropped from the buffer
        self._keep_line = first_line
        self._cut: tuple[int, str] | None = None  # a capture over max_capture: its start and excerpt
        self._mark = 0  # a buffer index whose line number is known...
        self._mark_line = first_line  # ...this one

    # --- buffer ---------------------------------------------------------------------------------

    def _more(self) -> bool:
        """Read the next chunk, dropping what nobody needs any more; False at the end of the file."""
        if self._eof:
            return False
        data = self._handle.read(self._chunk_size)
        if not data:
            self._eof = True
            return False
        keep = self._keep
        if keep is not None and self._max_capture is not None and self._pos - keep > self._max_capture:
            # Already too long to hold: remember where it started and its excerpt, and let the rest go.
            self._cut = (self._dropped + keep, self._buf[keep : min(keep + EXCERPT_CHARS, self._pos)])
            self._keep = None
        drop = self._pos if self._keep is None else min(self._keep, self._pos)
        if drop:
            self._dropped += drop
            if self._mark < drop:
                self._mark_line += self._buf.count("\n", self._mark, drop)
                self._mark = drop
            self._buf = self._buf[drop:]
            self._pos -= drop
            self._mark -= drop
            if self._keep is not None:
                self._keep -= drop
        self._buf += data
        return True

    def line_at(self, index: int) -> int:
        if index < self._mark:
            return self._mark_line - self._buf.count("\n", index, self._mark)
        self._mark_line += self._buf.count("\n", self._mark, index)
        self._mark = index
        return self._mark_line

    @property
    def line(self) -> int:
        """The line of the cursor."""
        return self.line_at(self._pos)

    def _match(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """Match ``pattern`` at the cursor, reading on while the match could go on past the buffer."""
        while True:
            found = pattern.match(self._buf, self._pos)
            if found and found.end() < len(self._buf):
                return found
            if not self._more():
                return found

    # --- reading --------------------------------------------------------------------------------

    def peek(self) -> str:
        """The next non-blank character without consuming it; '' at the end of the file."""
        while True:
            self._pos = _BLANK.match(self._buf, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._more():
                return ""

    def take(self, expected: str) -> str:
        """Consume the next character, which must be one of ``expected``."""
        found = self.peek()
        wanted = " or ".join(repr(c) for c in expected)
        if not found:
            raise Truncated(self.line, f"the file ends where {wanted} was expected (truncated JSON)")
        if found not in expected:
            raise JsonSyntaxError(self.line, f"expected {wanted}, found {found!r}")
        self._pos += 1
        return found

    def string(self) -> str:
        """Consume a string (e.g. an object key) and return its value."""
        if self.peek() != '"':
            raise JsonSyntaxError(self.line, f"expected a string, found {self.peek()!r}")
        found = self._match(_STRING)
        if found is None:
            raise Truncated(self.line, "the file ends inside a string (truncated JSON)")
        self._pos = found.end()
        return json.loads(found.group())

    def skip(self) -> None:
        """Consume one value of any kind; its syntax is checked only as far as finding its end."""
        first = self.peek()
        if not first:
            raise Truncated(self.line, "the file ends where a value was expected (truncated JSON)")
        if first == '"':
            self.string()
        elif first in "{[":
            self._skip_nested()
        elif first in "]},:":
            raise JsonSyntaxError(self.line, f"expected a value, found {first!r}")
        else:
            found = self._match(_SCALAR)
            self._pos = found.end()  # type: ignore[union-attr]  # peek() saw a scalar character

    def _skip_nested(self) -> None:
        start_line = self.line
        cut = f"truncated JSON: the file ends inside the value starting at line {start_line}"
        depth = 0
        while True:
            found = _STRUCTURE.search(self._buf, self._pos)
            if found is None:
                self._pos = len(self._buf)
                if not self._more():
                    raise Truncated(start_line, cut)
                continue
            self._pos = found.start()
            char = found.group()
            if char == '"':
                string = self._match(_STRING)
                if string is None:
                    raise Truncated(start_line, cut)
                self._pos = string.end()
                continue
            self._pos += 1
            depth += 1 if char in "{[" else -1
            if depth == 0:
                return

    # --- capturing ------------------------------------------------------------------------------

    def begin(self) -> int:
        """Start capturing text at the next value; return the line it starts on."""
        self.peek()
        self._keep, self._cut = self._pos, None
        self._keep_line = self.line
        return self._keep_line

    def end(self) -> str:
        """Stop capturing; return the text from :meth:`begin` to the cursor (:class:`TooLarge` if too long)."""
        self._raise_if_cut()
        assert self._keep is not None
        text = self._buf[self._keep : self._pos]
        self._keep = None
        return text

    def abandon(self) -> None:
        self._keep, self._cut = None, None

    def _raise_if_cut(self) -> None:
        """Raise :class:`TooLarge` if the capture ending at the cursor is longer than ``max_capture``."""
        keep = self._keep
        limit = self._max_capture
        if self._cut is None and keep is not None and limit is not None and self._pos - keep > limit:
            # it ended before it had to be cut
            self._cut = (self._dropped + keep, self._buf[keep : min(keep + EXCERPT_CHARS, self._pos)])
        if self._cut is not None:
            (start, excerpt), self._cut, self._keep = self._cut, None, None
            raise TooLarge(self._keep_line, self._dropped + self._pos - start, excerpt)

    def capture(self) -> tuple[int, str]:
        """Consume one value; return the line it starts on and its verbatim text."""
        line = self.begin()
        try:
            self.skip()
        except JsonSyntaxError as exc:
            partial = self._cut[1] if self._cut else self._buf[self._keep or 0 :]
            self.abandon()
            raise type(exc)(line, exc.message, partial) from None
        return line, self.end()

    def members(self) -> Iterator[str]:
        """Consume an object member by member: yields each key with the cursor on its value.

        The caller must consume the value (``skip``, ``capture``...) before asking for the next key.
        """
        self.take("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            key = self.string()
            self.take(":")
            yield key
            if self.take(",}") == "}":
                return

    def elements(self) -> Iterator[int]:
        """Consume an array element by element: yields each index with the cursor on the element."""
        self.take("[")
        if self.peek() == "]":
            self._pos += 1
            return
        index = 0
        while True:
            yield index
            index += 1
            if self.take(",]") == "]":
                return

    def rest_of_line(self) -> tuple[int, str] | None:
        """Consume up to and including the next newline; return the line's number and text (None at the end)."""
        if self._pos >= len(self._buf) and not self._more():
            return None
        line = self._keep_line = self.line
        self._keep, self._cut = self._pos, None
        while (newline := self._buf.find("\n", self._pos)) < 0:
            self._pos = len(self._buf)
            if not self._more():
                newline = len(self._buf) - 1
                break
        self._pos = newline + 1
        self._raise_if_cut()
        text = self._buf[self._keep : newline + 1]
        self._keep = None
        return line, text
