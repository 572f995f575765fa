"""The compiled batch reader (bistand.engine._linescan) against the single path.

The compiled reader reads a strict subset of the contract's JSON and sends every other line to the single
path, so `bistand calculate --batch` must give exactly what `decode_input` + `calculate` give, line for
line, whatever way a line is written: the same result bytes, or the same error (field, message, line).
These tests write the same households in many JSON forms (whitespace, key order, escapes, non-ASCII text,
keys given twice, numbers in other forms) and corrupt lines byte by byte.
"""

from __future__ import annotations

import json
import os
import random
import sys
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bistand.engine import batch_io
from bistand.engine.batch_io import calculate_jsonl
from bistand.rules import CalculationInputError, calculate, decode_input
from bistand.rules.calculate import encode_json
from tests.engine.test_batch import MUTATIONS, households, local_dir, mutated_line  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(batch_io._linescan is None, reason="the compiled reader is not built")

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


def expected_output(lines: list[bytes], local_dir) -> bytes | tuple:
    """What the single path makes of these lines: the JSON Lines of the results, or the first error."""
    out = []
    for i, line in enumerate(lines):
        if not line.strip():
            return ("", batch_io.EMPTY_LINE_MESSAGE, i)
        try:
            out.append(calculate(decode_input(line), local_dir=local_dir).to_json(trace=False) + b"\n")
        except CalculationInputError as exc:
            return (exc.field, exc.message, i)
    return b"".join(out)


def batch_output(text: bytes, local_dir, compiled: bool, monkeypatch) -> bytes | tuple:
    monkeypatch.setattr(batch_io, "use_compiled_reader", compiled)
    try:
        return calculate_jsonl(text, local_dir=local_dir)
    except CalculationInputError as exc:
        return (exc.field, exc.message, exc.index)


def taken(text: bytes) -> list[bool]:
    """Which lines the compiled reader reads itself."""
    return (~batch_io._scan(text).suspect).tolist()


# --- writing a document in other JSON forms -----------------------------------------------------------

WHITESPACE = st.sampled_from(["", "", "", " ", "  ", "\t", "\r", " \t "])


def escaped(text: str, draw) -> str:
    """A JSON string of `text`, each character written plainly or escaped in one of the ways JSON allows."""
    out = []
    for ch in text:
        code = ord(ch)
        form = draw(st.integers(0, 5))
        if ch == '"' or ch == "\\" or code < 0x20:
            form = max(form, 1)
        if form == 0 or (form < 4 and ch not in '"\\/\b\f\n\r\t' and code >= 0x20):
            out.append(ch)
        elif form < 4 and ch in '"\\/\b\f\n\r\t':
            out.append(json.dumps(ch)[1:-1] if ch != "/" else "\\/")
        elif code > 0xFFFF:
            high, low = divmod(code - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04X}")
        else:
            out.append(f"\\u{code:04x}" if form == 4 else f"\\u{code:04X}")
    return '"' + "".join(out) + '"'


def number_text(value, draw) -> str:
    text = str(value)
    form = draw(st.integers(0, 9))
    if form == 0:
        return f"{Decimal(text):.2f}"
    if form == 1:
        return f"{Decimal(text)}e0"
    if form == 2:
        return f"{Decimal(text):.3f}"  # three decimals (the last a zero): the single path decides
    if form == 3 and "." not in text:
        return text + ".0"
    return text


AMOUNT_KEYS = ("amount", "earnings_this_year_before_month")


def render(value, draw, *, escape_all: bool, key: str = "") -> str:
    """JSON text of `value` with random whitespace and key order; notes (and, with escape_all, any string)
    sometimes escaped; amounts in other number forms; sometimes a key given twice."""
    ws = lambda: draw(WHITESPACE)  # noqa: E731
    if isinstance(value, dict):
        items = list(value.items())
        items = list(draw(st.permutations(items))) if len(items) > 1 else items
        if items and draw(st.integers(0, 30)) == 0:
            items.append(draw(st.sampled_from(items)))  # a key given twice
        parts = []
        for name, item in items:
            name_text = escaped(name, draw) if escape_all and draw(st.integers(0, 9)) == 0 else json.dumps(name)
            item_text = render(item, draw, escape_all=escape_all, key=name)
            parts.append(ws() + name_text + ws() + ":" + ws() + item_text)
        return "{" + ",".join(parts) + ws() + "}"
    if isinstance(value, list):
        return "[" + ",".join(ws() + render(item, draw, escape_all=escape_all, key=key) for item in value) + ws() + "]"
    if isinstance(value, str):
        if key == "note" or (escape_all and draw(st.integers(0, 4)) == 0):
            return escaped(value, draw)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return number_text(value, draw) if key in AMOUNT_KEYS else str(value)


NOTES = st.text(st.characters(codec="utf-8"), max_size=12)


@st.composite
def written_lines(draw):
    doc = draw(households(max_children=4))
    for entry in doc.get("costs", []) + doc.get("incomes", []):
        if draw(st.integers(0, 2)) == 0:
            entry["note"] = draw(NOTES)
    if draw(st.integers(0, 5)) == 0:  # an id with non-ASCII letters
        adult = doc["household"]["adults"][0]
        new_id = "å" + adult["id"] + "ö"
        for income in doc.get("incomes", []):
            if income.get("member") == adult["id"]:
                income["member"] = new_id
        adult["id"] = new_id
    text = render(doc, draw, escape_all=draw(st.integers(0, 4)) == 0)
    return (draw(WHITESPACE) + text + draw(WHITESPACE)).encode("utf-8")


@SETTINGS
@given(lines=st.lists(written_lines(), min_size=1, max_size=6))
def test_lines_written_in_any_json_form_give_the_single_paths_results(lines, local_dir, monkeypatch):
    text = b"\n".join(lines) + b"\n"
    expected = expected_output(lines, local_dir)
    assert batch_output(text, local_dir, True, monkeypatch) == expected
    assert batch_output(text, local_dir, False, monkeypatch) == expected


@st.composite
def corrupted_lines(draw):
    """A valid line with a few bytes deleted, inserted or replaced (bytes that matter in JSON)."""
    doc = draw(households(max_children=3))
    line = bytearray(encode_json(doc))
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(line) - 1))
        action = draw(st.integers(0, 2))
        byte = draw(st.sampled_from(b'{}[]:,"\\ -.0123456789eEtrufalsn\x00\x1f\x7f\xc3\xa5\xff\xed\xa0\x80'))
        if action == 0:
            del line[position]
        elif action == 1:
            line.insert(position, byte)
        else:
            line[position] = byte
    return bytes(line).replace(b"\n", b" ")


@SETTINGS
@given(good=st.lists(households(max_children=3), min_size=0, max_size=3), bad=corrupted_lines(), data=st.data())
def test_corrupted_lines_give_the_single_paths_result_or_error(good, bad, data, local_dir, monkeypatch):
    lines = [encode_json(doc) for doc in good]
    lines.insert(data.draw(st.integers(0, len(lines))), bad)
    text = b"\n".join(lines)
    expected = expected_output(lines, local_dir)
    assert batch_output(text, local_dir, True, monkeypatch) == expected


@SETTINGS
@given(docs=st.lists(households(max_children=3), min_size=1, max_size=4), name=st.sampled_from(sorted(MUTATIONS)),
       data=st.data())
def test_invalid_lines_are_never_read_by_the_compiled_reader(docs, name, data):
    position = data.draw(st.integers(0, len(docs) - 1))
    lines = [encode_json(doc) for doc in docs]
    lines[position] = mutated_line(docs[position], name)
    try:
        decode_input(lines[position])
    except CalculationInputError:  # invalid input (not a month without parameters: that is found later)
        assert taken(b"\n".join(lines))[position] is False


# --- what the compiled reader reads itself --------------------------------------------------------------


def test_the_benchmarks_households_are_all_read_by_the_compiled_reader():
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
    try:
        from households import generate_jsonl
    finally:
        sys.path.pop(0)
    text = generate_jsonl(2_000, seed=7)
    assert all(taken(text))
    expected = expected_output(text.splitlines(), None)
    assert calculate_jsonl(text) == expected


GOOD = b'{"month":"2026-03","household":{"adults":[{"id":"a1","age":30}]},'


@pytest.mark.parametrize(
    ("line", "read_by_compiled_reader"),
    [
        (GOOD + b'"incomes":[{"type":"wage","member":"a1","amount":100}]}', True),
        (b' \t{ "month" : "2026-03" , "household" : { "adults" : [ { "id" : "a1" , "age" : 30 } ] } }\r', True),
        (GOOD + b'"costs":[{"type":"rent","amount":5000.5,"note":"Hyra f\xc3\xb6r mars \\"ny\\" \\u00e5r\\n"}]}', True),
        (GOOD.replace(b'"a1"', b'"\xc3\xa5sa"') + b'"incomes":[{"type":"wage","member":"\xc3\xa5sa","amount":1}]}', True),
        (GOOD + b'"costs":[{"type":"rent","amount":0.10}],"municipality":"0680"}', True),
        # valid, but written in a way the compiled reader leaves to the single path
        (GOOD.replace(b'"a1"', b'"a\\u0031"') + b'"incomes":[{"type":"wage","member":"a1","amount":1}]}', False),
        (GOOD + b'"costs":[{"type":"rent","amount":5e3}]}', False),
        (GOOD + b'"costs":[{"type":"rent","amount":12.340}]}', False),
        (GOOD + b'"costs":[{"type":"rent","amount":1,"amount":2}]}', False),
        (GOOD + b'"costs":[{"type":"rent","amount":1,"note":"\\ud83d\\ude00"}]}', False),
        # invalid
        (GOOD + b'"costs":[{"type":"rent","amount":1,"note":"\xff"}]}', False),
        (GOOD + b'"costs":[{"type":"rent","amount":1,"note":"\xed\xa0\x80"}]}', False),
        (GOOD + b'"costs":[{"type":"rent","amount":1,"note":"a\tb"}]}', False),  # a raw control character
        ((GOOD[:-1] + b"}").replace(b'"a1"', b'"a\x01"'), False),
        (GOOD + b'"costs":[{"type":"rent","amount":-0}]}', False),
        (GOOD + b'"costs":[{"type":"rent","amount":01}]}', False),
        (GOOD + b'"costs":[{"type":"rent","amount":1,}]}', False),
        (GOOD + b'"costs":[{"type":"rent","amount":1}]} x', False),
        (GOOD + b'"incomes":[{"type":"wage","amount":1}]}', False),
        (GOOD + b'"incomes":[{"type":"pension","member":"b9","amount":1}]}', False),
        (GOOD[:-1] + b"}", True),
    ],
)
def test_the_compiled_reader_reads_plain_lines_and_leaves_the_rest_to_the_single_path(line, read_by_compiled_reader,
                                                                                      monkeypatch):
    assert taken(line) == [read_by_compiled_reader]
    assert batch_output(line, None, True, monkeypatch) == expected_output([line], None)


def test_a_chunk_with_many_lines_the_compiled_reader_leaves_is_read_by_the_python_reader():
    plain = b'{"month":"2026-03","household":{"adults":[{"id":"a1","age":30}]},' \
            b'"incomes":[{"type":"wage","member":"a1","amount":100}]}'
    escaped_id = plain.replace(b'"a1"', b'"\\u00e51"')  # "å1", as json.dumps writes it by default
    assert taken(plain + b"\n" + escaped_id) == [True, False]
    few = [plain] * 99 + [escaped_id]
    many = [plain, escaped_id] * 50
    # one line in a hundred: the single path calculates it; half of them: the pure-Python reader reads them all
    assert list(batch_io.decode_jsonl(b"\n".join(few)).fallback) == [99]
    assert list(batch_io.decode_jsonl(b"\n".join(many)).fallback) == []
    for lines in (few, many):
        assert calculate_jsonl(b"\n".join(lines)) == expected_output(lines, None)


def test_huge_integers_are_clipped_like_the_python_reader_clips_them(monkeypatch):
    line = b'{"month":"2026-03","household":{"adults":[{"id":"a","age":30,"consecutive_months_on_assistance":' \
           + b"9" * 40 + b"}]}}"
    assert taken(line) == [True]
    assert batch_output(line, None, True, monkeypatch) == expected_output([line], None)
    too_old = line.replace(b'"age":30', b'"age":' + b"1" * 30)
    assert taken(too_old) == [False]
    assert batch_output(too_old, None, True, monkeypatch) == expected_output([too_old], None)


def test_random_bytes_never_crash_the_compiled_reader():
    rng = random.Random(2026)
    alphabet = b'{}[]:,"\\ .-0123456789eEtruefalsnul\n\x00\xc3\xa5\xff'
    for _ in range(3_000):
        text = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        result = batch_io._scan(text)
        assert len(result.suspect) == batch_io._count_lines(text)
