"""BISTAND_BATCH_READER = compiled (the default) | python chooses the batch reader explicitly (engine/readers.py):
nothing falls back to the pure-Python reader because the compiled one happens not to be there. An unknown
value, or the compiled reader when it was not built, stops the command with a message naming the variable;
scripts/bootstrap builds the compiled reader (a failed build stops it) or, without a C compiler, records
``python`` with a warning."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import bistand
from bistand.engine import readers
from bistand.engine.readers import READER_VARIABLE, ReaderChoiceError, reader_choice, use_compiled_reader

HOUSEHOLD = {"month": "2026-03", "household": {"adults": [{"id": "a", "age": 30}]}}
REPO = Path(__file__).resolve().parents[2]
SRC = Path(bistand.__file__).resolve().parent


@pytest.mark.parametrize(("value", "built", "compiled"), [
    (None, True, True), ("", True, True),  # unset or empty: the default, compiled
    ("compiled", True, True),
    ("python", True, False), ("python", False, False),
])
def test_each_value_chooses_its_reader(value, built, compiled):
    environ = {} if value is None else {READER_VARIABLE: value}
    assert use_compiled_reader(environ, built=built) is compiled


@pytest.mark.parametrize("value", [None, "", "compiled"])
def test_the_compiled_reader_fails_loudly_when_it_was_not_built_also_by_default(value):
    environ = {} if value is None else {READER_VARIABLE: value}
    with pytest.raises(ReaderChoiceError, match=f"{READER_VARIABLE} är compiled.*inte byggd") as error:
        use_compiled_reader(environ, built=False)
    assert f"{READER_VARIABLE}=python" in str(error.value)  # says how to choose the other one


@pytest.mark.parametrize("value", ["auto", "c", "C", "Compiled", "pure", "0", " python"])
def test_an_unknown_value_is_an_error_naming_the_variable(value):
    with pytest.raises(ReaderChoiceError, match=READER_VARIABLE) as error:
        use_compiled_reader({READER_VARIABLE: value}, built=True)
    assert "compiled (standard) eller python" in str(error.value)
    with pytest.raises(ReaderChoiceError):
        reader_choice({READER_VARIABLE: value})


def test_python_never_looks_for_the_compiled_reader(monkeypatch):
    def asked():
        raise AssertionError("the compiled reader was looked for")

    monkeypatch.setattr(readers, "compiled_reader_built", asked)
    assert use_compiled_reader({READER_VARIABLE: "python"}) is False


def test_whether_the_reader_was_built_is_the_extension_file_in_the_package(monkeypatch):
    assert readers.compiled_reader_built()  # scripts/bootstrap built it on this machine
    monkeypatch.setattr(readers, "EXTENSION_SUFFIXES", [".not-built.so"])
    assert not readers.compiled_reader_built()
    with pytest.raises(ReaderChoiceError):
        use_compiled_reader({})


def test_no_module_guesses_the_reader_from_what_is_installed():
    for path in SRC.rglob("*.py"):
        assert "find_spec" not in path.read_text(encoding="utf-8"), path


def _run(code: str, value: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != READER_VARIABLE}
    if value is not None:
        env[READER_VARIABLE] = value
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


PROBE = ("import bistand.engine.batch_io as b; "
         "print(b.use_compiled_reader, b._linescan is not None)")


@pytest.mark.parametrize(("value", "expected"), [
    ("python", ["False", "False"]),  # never imported
    ("compiled", ["True", "True"]),
    (None, ["True", "True"]),
    ("", ["True", "True"]),
])
def test_the_batch_module_takes_the_choice_from_the_environment(value, expected):
    assert _run(PROBE, value).stdout.split() == expected


@pytest.mark.parametrize("value", ["auto", "bogus"])
def test_the_command_stops_with_the_variables_name_for_an_unknown_value(tmp_path, value):
    batch, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    batch.write_text(json.dumps(HOUSEHOLD) + "\n", encoding="utf-8")
    code = ("import sys; from bistand.engine.cli import main; "
            f"sys.exit(main(['--batch', {str(batch)!r}, '--out', {str(out)!r}]))")
    done = _run(code, value)
    assert done.returncode == 2
    assert f"bistand calculate: {READER_VARIABLE}={value!r} är inte ett giltigt värde" in done.stderr
    assert not out.exists()


# --- scripts/bootstrap: builds the compiled reader or records python, never silently ----------------------------

FAKE_PYTHON = """#!/bin/sh
# A stand-in for .venv/bin/python: answers sysconfig's CC, logs pip installs with the reader they were given.
case "$*" in
  *sysconfig*) echo "$FAKE_CC" ;;
  *"pip install"*"-e"*) echo "install BISTAND_BATCH_READER=$BISTAND_BATCH_READER" >> "$FAKE_LOG"; exit "${FAKE_PIP_EXIT:-0}" ;;
  *"pip install"*) ;;
  *"import bistand.engine._linescan"*) exit "${FAKE_IMPORT_EXIT:-0}" ;;
esac
"""


@pytest.fixture
def tree(tmp_path):
    """A copy of scripts/bootstrap in a tree whose .venv/bin/python is the stand-in above."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "bootstrap", tmp_path / "scripts" / "bootstrap")
    (tmp_path / "src" / "bistand" / "engine").mkdir(parents=True)
    for name in ("pyproject.toml", "setup.py", "src/bistand/engine/_linescan.c"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON, encoding="utf-8")
    python.chmod(0o755)
    return tmp_path


def _bootstrap(tree: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in (READER_VARIABLE, "CC")}
    base.update({"FAKE_LOG": str(tree / "pip.log"), "FAKE_CC": "gcc", **env})
    return subprocess.run(["bash", str(tree / "scripts" / "bootstrap"), "test"], env=base, capture_output=True,
                          text=True, timeout=60)


def _recorded(tree: Path) -> str:
    return (tree / ".venv" / "bistand-batch-reader").read_text(encoding="utf-8").strip()


def test_bootstrap_builds_the_compiled_reader_where_a_compiler_is_found(tree):
    done = _bootstrap(tree, FAKE_CC="sh -c")  # a command that exists stands in for the compiler
    assert done.returncode == 0, done.stderr
    assert _recorded(tree) == "compiled"
    assert (tree / "pip.log").read_text() == "install BISTAND_BATCH_READER=compiled\n"
    assert "VARNING" not in done.stderr


def test_bootstrap_records_python_with_a_warning_where_no_compiler_is_found(tree):
    done = _bootstrap(tree, FAKE_CC="no-such-compiler-here")
    assert done.returncode == 0, done.stderr
    assert _recorded(tree) == "python"
    assert (tree / "pip.log").read_text() == "install BISTAND_BATCH_READER=python\n"
    assert "VARNING: ingen C-kompilator" in done.stderr and "BISTAND_BATCH_READER=python" in done.stderr


def test_bootstrap_fails_loudly_when_the_build_fails(tree):
    done = _bootstrap(tree, FAKE_CC="sh -c", FAKE_PIP_EXIT="1")
    assert done.returncode == 1
    assert "Installationen misslyckades (med BISTAND_BATCH_READER=compiled)" in done.stderr
    assert not (tree / ".venv" / "bistand-batch-reader").exists()


def test_bootstrap_fails_loudly_when_the_built_reader_cannot_be_loaded(tree):
    done = _bootstrap(tree, FAKE_CC="sh -c", FAKE_IMPORT_EXIT="1")
    assert done.returncode == 1
    assert "gick inte att läsa in" in done.stderr
    assert not (tree / ".venv" / "bistand-batch-reader").exists()


@pytest.mark.parametrize(("value", "recorded"), [("python", "python"), ("compiled", "compiled")])
def test_bootstrap_takes_an_explicit_choice_from_the_environment(tree, value, recorded):
    done = _bootstrap(tree, FAKE_CC="no-such-compiler-here", BISTAND_BATCH_READER=value)
    assert done.returncode == 0, done.stderr
    assert _recorded(tree) == recorded
    assert (tree / "pip.log").read_text() == f"install BISTAND_BATCH_READER={value}\n"


def test_bootstrap_refuses_an_unknown_choice_naming_the_variable(tree):
    done = _bootstrap(tree, BISTAND_BATCH_READER="auto")
    assert done.returncode == 1
    assert "BISTAND_BATCH_READER='auto' är inte ett giltigt värde" in done.stderr
    assert not (tree / "pip.log").exists()


def test_the_test_and_start_commands_export_the_recorded_choice():
    for script in ("test", "start"):
        text = (REPO / "scripts" / script).read_text(encoding="utf-8")
        assert 'export BISTAND_BATCH_READER="$(cat .venv/bistand-batch-reader)"' in text, script
