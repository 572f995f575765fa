"""The compiled batch reader's tests again, with the reader built with AddressSanitizer and
UndefinedBehaviorSanitizer (`-fsanitize=address,undefined`): an out-of-bounds read or write, a use after
free, a signed overflow or a misaligned access in `_linescan.c` stops the run with the sanitizer's report.

The sanitized reader is built here, into a temporary directory, with the compiler Python was built with
(sysconfig's CC), and tests/engine/test_linescan.py runs in a subprocess that loads it in place of the
installed one. An ASan-built extension cannot be loaded into a Python that is not built with ASan unless
the ASan runtime is loaded first, so the subprocess gets `LD_PRELOAD=<libasan.so>`. Where the compiler
cannot build with the sanitizers (no compiler, no libasan), the test is skipped and says why.
A self-check proves that the set-up catches what it is for: a small extension with a heap overflow and one
with a signed overflow, built and run the same way, must be stopped by the sanitizers.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

import bistand.engine

SOURCE = Path(bistand.engine.__file__).parent / "_linescan.c"
ROOT = Path(__file__).resolve().parents[2]
FLAGS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer", "-g", "-O1"]

pytestmark = pytest.mark.slow


def _compiler() -> list[str]:
    return shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")


def _build(source: Path, name: str, out_dir: Path) -> Path:
    """An extension module `name` from `source`, with the sanitizers; skips the test when it cannot be built."""
    compiler = _compiler()
    if not shutil.which(compiler[0]):
        pytest.skip(f"no C compiler ({compiler[0]}): the sanitizer build of the compiled reader is not run")
    target = out_dir / f"{name}{sysconfig.get_config_var('EXT_SUFFIX')}"
    command = [*compiler, "-shared", "-fPIC", *FLAGS, f"-I{sysconfig.get_paths()['include']}", str(source),
               "-o", str(target)]
    built = subprocess.run(command, capture_output=True, text=True)
    if built.returncode != 0:
        pytest.skip(f"{compiler[0]} cannot build with -fsanitize=address,undefined here: {built.stderr.strip()[:300]}")
    return target


def _asan_runtime() -> str:
    found = subprocess.run([*_compiler(), "-print-file-name=libasan.so"], capture_output=True, text=True)
    path = found.stdout.strip()
    if found.returncode != 0 or not os.path.isabs(path) or not os.path.exists(path):
        pytest.skip(f"the compiler's ASan runtime (libasan.so) is not installed: {path or found.stderr.strip()}")
    return os.path.realpath(path)


def _environment(extra_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "LD_PRELOAD": _asan_runtime(),
        # Python's own allocations are never freed at exit: leaks are not what this looks for.
        "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0:exitcode=86",
        "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1:exitcode=87",
        "PYTHONPATH": os.pathsep.join([str(extra_path), str(ROOT), env.get("PYTHONPATH", "")]),
        "BISTAND_BATCH_READER": "compiled",
    })
    return env


@pytest.fixture(scope="module")
def sanitized(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sanitized")
    module = _build(SOURCE, "_linescan", directory)
    (directory / "sanitized_linescan.py").write_text(textwrap.dedent(f"""
        # pytest plugin: the sanitized compiled reader in place of the installed one
        import importlib.util, sys
        import bistand.engine
        spec = importlib.util.spec_from_file_location("bistand.engine._linescan", {str(module)!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["bistand.engine._linescan"] = module
        bistand.engine._linescan = module
        from bistand.engine import batch_io
        assert batch_io._linescan is module and batch_io.use_compiled_reader
        print("sanitized reader:", module.__file__, flush=True)
    """), encoding="utf-8")
    return directory, module


def test_the_compiled_readers_tests_pass_with_address_and_undefined_behaviour_sanitizers(sanitized):
    directory, module = sanitized
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "sanitized_linescan", "-p", "no:cacheprovider", "-q", "-x",
         "tests/engine/test_linescan.py"],
        env=_environment(directory), cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    report = completed.stdout[-4000:] + completed.stderr[-4000:]
    assert f"sanitized reader: {module}" in completed.stdout, report
    assert "AddressSanitizer" not in report and "runtime error:" not in report, report
    assert completed.returncode == 0, report
    assert " passed" in completed.stdout and " failed" not in completed.stdout, report


FAULTY = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
static PyObject *heap_overflow(PyObject *self, PyObject *args) {
    volatile size_t n = 16; char *p = malloc(8); memset(p, 1, n); long c = p[0]; free(p); return PyLong_FromLong(c);
}
static PyObject *signed_overflow(PyObject *self, PyObject *arg) {
    int x = (int)PyLong_AsLong(arg); return PyLong_FromLong(x + INT_MAX);
}
static PyMethodDef methods[] = {
    {"heap_overflow", heap_overflow, METH_NOARGS, ""}, {"signed_overflow", signed_overflow, METH_O, ""},
    {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_faulty", NULL, -1, methods};
PyMODINIT_FUNC PyInit__faulty(void) { return PyModule_Create(&def); }
"""


@pytest.mark.parametrize("call, report", [
    ("heap_overflow()", "AddressSanitizer: heap-buffer-overflow"),
    ("signed_overflow(5)", "runtime error: signed integer overflow"),
])
def test_the_sanitizer_build_stops_a_faulty_extension(tmp_path, call, report):
    """Self-check of the set-up above: the same build and environment catch a real fault."""
    source = tmp_path / "_faulty.c"
    source.write_text(FAULTY, encoding="utf-8")
    _build(source, "_faulty", tmp_path)
    completed = subprocess.run([sys.executable, "-c", f"import _faulty; _faulty.{call}; print('not caught')"],
                               env=_environment(tmp_path), capture_output=True, text=True, timeout=120)
    assert completed.returncode != 0 and "not caught" not in completed.stdout, completed.stdout
    assert report in completed.stderr, completed.stderr[-2000:]
