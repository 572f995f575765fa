"""BISTAND_BATCH_READER = auto | compiled | python chooses the batch reader explicitly (engine/readers.py):
no ``try: import … except ImportError``; an unknown value or a missing compiled reader that was asked for
stops the command with a message naming the variable."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from bistand.engine import readers
from bistand.engine.readers import READER_VARIABLE, ReaderChoiceError, use_compiled_reader

HOUSEHOLD = {"month": "2026-03", "household": {"adults": [{"id": "a", "age": 30}]}}


@pytest.mark.parametrize(("value", "built", "compiled"), [
    ("auto", True, True), ("auto", False, False),
    ("", True, True), (None, True, True), (None, False, False),
    ("compiled", True, True),
    ("python", True, False), ("python", False, False),
])
def test_each_value_chooses_its_reader(value, built, compiled):
    environ = {} if value is None else {READER_VARIABLE: value}
    assert use_compiled_reader(environ, built=built) is compiled


def test_compiled_fails_loudly_when_the_extension_was_not_built():
    with pytest.raises(ReaderChoiceError, match=f"{READER_VARIABLE}=compiled.*inte byggd"):
        use_compiled_reader({READER_VARIABLE: "compiled"}, built=False)


@pytest.mark.parametrize("value", ["c", "C", "Compiled", "pure", "0", " python"])
def test_an_unknown_value_is_an_error_naming_the_variable(value):
    with pytest.raises(ReaderChoiceError, match=READER_VARIABLE) as error:
        use_compiled_reader({READER_VARIABLE: value}, built=True)
    assert "auto, compiled eller python" in str(error.value)


def test_python_never_looks_for_the_compiled_reader(monkeypatch):
    def asked():
        raise AssertionError("the compiled reader was looked for")

    monkeypatch.setattr(readers, "compiled_reader_built", asked)
    assert use_compiled_reader({READER_VARIABLE: "python"}) is False


def test_whether_the_reader_was_built_is_asked_of_find_spec_without_importing_it(monkeypatch):
    asked = []

    def find_spec(name, *args):
        asked.append(name)
        return None

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert readers.compiled_reader_built() is False
    assert asked == ["bistand.engine._linescan"]
    with pytest.raises(ReaderChoiceError):
        use_compiled_reader({READER_VARIABLE: "compiled"})
    assert use_compiled_reader({READER_VARIABLE: "auto"}) is False


def _run(code: str, value: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, READER_VARIABLE: value},
                          capture_output=True, text=True, timeout=120)


PROBE = ("import bistand.engine.batch_io as b; "
         "print(b.use_compiled_reader, b._linescan is not None)")


def test_the_batch_module_takes_the_choice_from_the_environment():
    built = readers.compiled_reader_built()
    assert _run(PROBE, "python").stdout.split() == ["False", "False"]  # never imported
    assert _run(PROBE, "auto").stdout.split() == [str(built), str(built)]
    compiled = _run(PROBE, "compiled")
    if built:
        assert compiled.stdout.split() == ["True", "True"]
    else:
        assert compiled.returncode != 0 and READER_VARIABLE in compiled.stderr


@pytest.mark.parametrize("value", ["c", "bogus"])
def test_the_command_stops_with_the_variables_name_for_an_unknown_value(tmp_path, value):
    batch, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    batch.write_text(json.dumps(HOUSEHOLD) + "\n", encoding="utf-8")
    code = ("import sys; from bistand.engine.cli import main; "
            f"sys.exit(main(['--batch', {str(batch)!r}, '--out', {str(out)!r}]))")
    done = _run(code, value)
    assert done.returncode == 2
    assert f"bistand calculate: {READER_VARIABLE}={value!r} är inte ett giltigt värde" in done.stderr
    assert not out.exists()
