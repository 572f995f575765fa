"""bistand.common.pgcopy: COPY text output → integer columns and the exact JSON texts as JSON Lines.

`_copy_text` below writes a row the way PostgreSQL's COPY TO (text format) does (src/backend/commands/
copyto.c, CopyAttributeOutText): backslash, backspace, form feed, newline, carriage return, tab and
vertical tab are escaped, everything else (UTF-8 included) is written as it is. The PostgreSQL test
(tests/research/test_simulation_read.py) checks the same against a real server.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bistand.common.pgcopy import CopyFormatError, split_json_rows, unescape_copy_text

_PG_ESCAPES = {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _copy_text(rows) -> bytearray:
    out = []
    for row in rows:
        fields = ["".join(_PG_ESCAPES.get(ch, ch) for ch in str(value)) for value in row]
        out.append("\t".join(fields) + "\n")
    return bytearray("".join(out).encode())


def _lines(text: bytes) -> list[bytes]:
    return text.split(b"\n")[:-1]


TRICKY = {
    "month": "2025-03",
    "note": 'Hyra "oktober" C:\\temp\\ åäö ÅÄÖ\nny rad\ttab \\n inte radbrytning \\" \u00e5 \\u00e5 \u2028',
    "list": ["\\", "\\\\", '"', "\b\f\r\v", "é😀"],
}


def test_the_json_texts_come_back_byte_for_byte_with_quotes_backslashes_non_ascii_and_newlines():
    texts = [json.dumps(TRICKY, ensure_ascii=False), json.dumps(TRICKY), '{"a": 1}', json.dumps({"b": "\\\\\\"})]
    buf = _copy_text([(i + 1, 100 * i, t) for i, t in enumerate(texts)])
    (first, second), text = split_json_rows(buf, 2)
    assert first.tolist() == [1, 2, 3, 4]
    assert second.tolist() == [0, 100, 200, 300]
    lines = _lines(bytes(text))
    assert [line.lstrip(b" ") for line in lines] == [t.encode() for t in texts]
    assert [json.loads(line) for line in lines] == [json.loads(t) for t in texts]
    assert json.loads(lines[0])["note"] == TRICKY["note"]


def test_the_integers_become_spaces_before_each_document_and_lines_keep_their_order():
    buf = _copy_text([(123456789012, 0, '{"x": "1"}'), (7, 45_678_900, '{"x": "2"}')])
    (ids, amounts), text = split_json_rows(buf, 2)
    assert ids.dtype == np.int64 and ids.tolist() == [123456789012, 7]
    assert amounts.tolist() == [0, 45_678_900]
    assert bytes(text) == b" " * 15 + b'{"x": "1"}\n' + b" " * 11 + b'{"x": "2"}\n'


def test_empty_output_gives_empty_columns():
    (ids,), text = split_json_rows(bytearray(), 1)
    assert ids.tolist() == [] and bytes(text) == b""


@pytest.mark.parametrize("raw, reason", [
    (b"1\t{}", "mitt i en rad"),
    (b"1\t2\t{}\n", "antalet kolumner"),
    (b"x\t{}\n", "siffror"),
    (b"\t{}\n", "tomt"),
    (b"12345678901234567890\t{}\n", "för långt"),
    (b"1-2\t{}\n", "siffror"),
    (b"1\t{\\q}\n", "escape"),
])
def test_output_of_another_shape_is_refused(raw, reason):
    with pytest.raises(CopyFormatError, match=reason):
        split_json_rows(bytearray(raw), 1)


def test_unescape_reads_pairs_from_left_to_right():
    # the value \n (backslash, n) is written \\n: a backslash, then n, not a newline
    assert unescape_copy_text(b"a\\\\nb") == b"a\\nb"
    assert unescape_copy_text(b"a\\\\\\nb") == b"a\\\nb"
    assert unescape_copy_text(b"\\t\\\\\\\\") == b"\t\\\\"
    assert unescape_copy_text(b"plain") == b"plain"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(0, 10**12) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.lists(st.tuples(st.integers(0, 10**15), st.integers(0, 10**12), json_values,
                          st.booleans()), max_size=6))
def test_any_json_text_round_trips_exactly(rows):
    texts = [json.dumps(value, ensure_ascii=ascii) for _, _, value, ascii in rows]
    buf = _copy_text([(a, b, t) for (a, b, _, _), t in zip(rows, texts, strict=True)])
    (first, second), text = split_json_rows(buf, 2)
    assert first.tolist() == [r[0] for r in rows]
    assert second.tolist() == [r[1] for r in rows]
    assert [line.lstrip(b" ") for line in _lines(bytes(text))] == [t.encode() for t in texts]


def test_json_text_kept_as_written_with_line_breaks_and_tabs_between_tokens_gives_one_line_per_row():
    # A `json` column keeps the text as written: newlines, tabs and carriage returns may stand between the
    # tokens (inside strings JSON must escape them). They become spaces, so each row stays one line.
    texts = [json.dumps(TRICKY, indent="\t", ensure_ascii=False).replace("\n", "\r\n"),
             json.dumps({"a": [1, {"b": "x\ty"}]}, indent=2), '{"c": 3}']
    buf = _copy_text([(i, 10 * i, t) for i, t in enumerate(texts)])
    (first, second), text = split_json_rows(buf, 2)
    assert first.tolist() == [0, 1, 2] and second.tolist() == [0, 10, 20]
    lines = _lines(bytes(text))
    assert len(lines) == 3
    assert [json.loads(line) for line in lines] == [json.loads(t) for t in texts]
    assert all(b"\t" not in line and b"\r" not in line for line in lines)


@given(st.lists(st.tuples(st.integers(0, 10**15), json_values, st.sampled_from([None, 1, "\t", " \r\n "])),
                max_size=6))
def test_any_json_text_with_any_whitespace_between_tokens_reads_as_the_same_value(rows):
    texts = [json.dumps(value, indent=indent) for _, value, indent in rows]
    buf = _copy_text([(a, t) for (a, _, _), t in zip(rows, texts, strict=True)])
    (first,), text = split_json_rows(buf, 1)
    assert first.tolist() == [r[0] for r in rows]
    assert [json.loads(line) for line in _lines(bytes(text))] == [r[1] for r in rows]
