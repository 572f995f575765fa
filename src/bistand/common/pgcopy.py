"""Reading the output of PostgreSQL's `COPY (SELECT …) TO STDOUT` (text format) into columns, without a
Python object per row.

`copy_to_buffer` streams a COPY into one bytearray; `copy_chunks` hands it over in parts of whole rows as it
arrives (optionally read by a thread, so that the caller works on one part while the next arrives). `split_json_rows` takes the text-format output of a query
whose first columns are non-negative integers and whose last column is a JSON text (e.g. `jsonb::text`), and
returns the integer columns as NumPy arrays and the JSON texts as JSON Lines (one document per line) for a
JSON Lines reader — the exact bytes PostgreSQL sent as the JSON text.

Why this is exact: COPY's text format writes a backslash as `\\\\` and the control characters backspace,
form feed, newline, carriage return, tab and vertical tab as `\\b`, `\\f`, `\\n`, `\\r`, `\\t`, `\\v`
(PostgreSQL writes no other escape), so in the stream every raw tab separates columns and every raw newline
ends a row. Inside a JSON string a control character must itself be escaped (PostgreSQL's `json` and `jsonb`
refuse a raw one), so a newline, carriage return or tab in a JSON text can only be whitespace between tokens
(`jsonb::text` writes none; a `json` column keeps the text as written, which may have them):
`split_json_rows` turns those into spaces, which changes nothing in the JSON's value and keeps each row on
one line. Everything else comes back byte for byte: `\\"`, `\\\\`, `\\n` and `\\u00e5` inside JSON
strings, and UTF-8 text such as åäö. The integer columns and their tabs are then overwritten with spaces,
which a JSON reader skips before the document.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

_TAB, _NEWLINE, _SPACE, _ZERO = 9, 10, 32, 48

#: COPY text escapes other than the backslash itself, and the byte each stands for.
_ESCAPES = ((b"\\b", b"\b"), (b"\\f", b"\f"), (b"\\n", b"\n"), (b"\\r", b"\r"), (b"\\t", b"\t"), (b"\\v", b"\v"))
#: The same for JSON text: a newline, carriage return or tab can only be whitespace between tokens there, and
#: becomes a space (so that each row stays one line of JSON Lines).
_JSON_ESCAPES = ((b"\\b", b"\b"), (b"\\f", b"\f"), (b"\\n", b" "), (b"\\r", b" "), (b"\\t", b" "), (b"\\v", b"\v"))


class CopyFormatError(ValueError):
    """The COPY output does not have the expected shape (a bug, not bad user input)."""


def copy_to_buffer(cursor: Any, statement: str, params: Any = None) -> bytearray:
    """Run `COPY (…) TO STDOUT` on a psycopg 3 cursor and return its whole output as one bytearray. libpq
    hands over one protocol message per row; each is appended at once and not kept."""
    buf = bytearray()
    with cursor.copy(statement, params) as copy:
        append = buf.extend
        for data in copy:
            append(data)
    return buf


def _chunks(cursor: Any, statement: str, params: Any, chunk_bytes: int) -> Iterator[bytearray]:
    with cursor.copy(statement, params) as copy:
        buf = bytearray()
        append = buf.extend
        for data in copy:  # one protocol message per row
            append(data)
            if len(buf) >= chunk_bytes:
                yield buf
                buf = bytearray()
                append = buf.extend
        if buf:
            yield buf


_END = object()


def _chunks_read_by_thread(cursor: Any, statement: str, params: Any, chunk_bytes: int) -> Iterator[bytearray]:
    # Unbounded: the thread never waits for the caller, so the COPY always runs to its end and frees the
    # connection (a query the caller makes meanwhile on the same connection waits for it, and cannot deadlock).
    parts: queue.Queue = queue.Queue()
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                parts.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        chunks = _chunks(cursor, statement, params, chunk_bytes)
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(_END)
        except BaseException as exc:  # handed to the caller's thread, raised there
            put(exc)
        finally:
            chunks.close()  # the caller stopped early: psycopg ends the COPY

    reader = threading.Thread(target=read, name="pgcopy-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = parts.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


def copy_chunks(cursor: Any, statement: str, params: Any = None, *, chunk_bytes: int = 8 << 20,
                reader_thread: bool = False) -> Iterator[bytearray]:
    """Run `COPY (…) TO STDOUT` on a psycopg 3 cursor and yield its output in parts of whole rows, each of at
    least `chunk_bytes` bytes (the last one may be smaller; no part when there are no rows), in order.

    With `reader_thread` a thread receives the output while the caller works on the parts already received;
    it never waits for the caller (the parts not yet taken wait in memory, at most the whole output), so a
    query the caller makes on the same connection meanwhile only waits until the COPY has ended. An error
    is raised in the caller's thread. Without it the caller must not use the connection until the last part
    (psycopg holds the connection's lock during a COPY). Stopping early ends the COPY."""
    if reader_thread:
        return _chunks_read_by_thread(cursor, statement, params, chunk_bytes)
    return _chunks(cursor, statement, params, chunk_bytes)


def unescape_copy_text(buf: bytes | bytearray, escapes: tuple[tuple[bytes, bytes], ...] = _ESCAPES
                       ) -> bytes | bytearray:
    """Undo COPY text format's escapes (see the module docstring; `escapes`: what each escape other than the
    backslash's becomes). Returns `buf` itself when it has no backslash (the usual case: no JSON string with
    an escape in the whole output)."""
    if b"\\" not in buf:
        return buf
    # Escapes are two bytes, a backslash and one more, read from left to right; `replace` scans from left to
    # right without overlap, so each "\\\\" pair is one escaped backslash. A NUL byte cannot be in PostgreSQL
    # text, so it holds the place of the backslashes while the other escapes are undone.
    if b"\x00" in buf:
        raise CopyFormatError("COPY-utdata innehåller en NUL-byte")
    out = buf.replace(b"\\\\", b"\x00")
    if b"\\" in out:
        for escaped, raw in escapes:
            out = out.replace(escaped, raw)
        if b"\\" in out:
            raise CopyFormatError("COPY-utdata innehåller en okänd escape-sekvens")
    return out.replace(b"\x00", b"\\")


def split_json_rows(buf: bytearray, n_integers: int) -> tuple[list[np.ndarray], bytearray]:
    """COPY text output of rows (integer, …, integer, JSON text) → ([one int64 array per integer column],
    JSON Lines). `buf` is unescaped and then overwritten in place (the integers become spaces) and returned
    as the JSON Lines, each row's JSON text on its own line, in the order of the rows (a newline, carriage
    return or tab between the JSON's tokens becomes a space)."""
    buf = unescape_copy_text(buf, _JSON_ESCAPES)
    if not isinstance(buf, bytearray):
        buf = bytearray(buf)
    a = np.frombuffer(buf, np.uint8)
    if len(a) and a[-1] != _NEWLINE:
        raise CopyFormatError("COPY-utdata slutar mitt i en rad")
    # one pass for both: tabs and newlines are the only bytes ≤ 10 that PostgreSQL sends in JSON text rows
    marks = np.flatnonzero(a <= _NEWLINE)
    kinds = a[marks]
    ends = marks[kinds == _NEWLINE]
    tabs = marks[kinds == _TAB]
    n = len(ends)
    if len(tabs) != n * n_integers or len(marks) != len(ends) + len(tabs):
        raise CopyFormatError("COPY-utdata har inte det väntade antalet kolumner")
    tabs = tabs.reshape(n, n_integers)
    starts = np.zeros(n, np.int64)
    starts[1:] = ends[:-1] + 1
    bounds = np.column_stack([starts - 1, tabs])  # the byte before each field
    if n and (np.diff(bounds, axis=1) < 2).any() | (np.diff(bounds, axis=1) > 19).any():
        raise CopyFormatError("ett heltal i COPY-utdata är tomt eller för långt")
    # every row's integers with their tabs, gathered into one text and read by NumPy's C parser; then
    # overwritten with spaces (whitespace before each JSON document)
    prefix = tabs[:, -1] - starts + 1
    first = np.zeros(n, np.int64)
    np.cumsum(prefix[:-1], out=first[1:])
    positions = np.arange(int(prefix.sum()), dtype=np.int64) + np.repeat(starts - first, prefix)
    text = a[positions]
    if not ((text - _ZERO < 10) | (text == _TAB)).all():  # uint8: bytes below "0" wrap round
        raise CopyFormatError("ett heltal i COPY-utdata innehåller annat än siffror")
    values = np.fromstring(text.tobytes(), np.int64, sep=" ") if n else np.zeros(0, np.int64)
    if len(values) != n * n_integers:  # pragma: no cover - the checks above leave only digits and tabs
        raise CopyFormatError("COPY-utdata har inte det väntade antalet kolumner")
    a[positions] = _SPACE
    values = values.reshape(n, n_integers)
    return [values[:, j].copy() for j in range(n_integers)], buf
