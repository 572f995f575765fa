"""`bistand calculate --batch IN.jsonl --out OUT.jsonl [--trace]` end to end (run_batch and the command)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bistand.engine import batch_io
from bistand.engine.batch_io import run_batch
from bistand.rules import CalculationInputError, calculate, decode_input
from bistand.rules.calculate import encode_json

BISTAND = Path(sys.executable).parent / "bistand"


def household(i: int) -> dict:
    """A household whose result differs with i (so that the order of the output can be checked)."""
    doc = {
        "month": f"{2024 + i % 3}-{i % 12 + 1:02d}",
        "household": {
            "adults": [{"id": "a1", "age": 30 + i % 40, "consecutive_months_on_assistance": i % 12}],
            "children": [{"id": f"b{j}", "age": (i + j) % 21, "days_present": (i * 7 + j) % 32 if j == 0 else None}
                         for j in range(i % 4)],
        },
        "costs": [{"type": "rent", "amount": 4000 + (i * 37) % 9000}, {"type": "household_electricity", "amount": i % 500 + 0.25}],
        "incomes": [{"type": "wage", "member": "a1", "amount": (i * 113) % 12000}],
    }
    if i % 5:
        doc["municipality"] = ("0680", "0662", "0684", "9999")[i % 4]
    return doc


def write_lines(path: Path, docs: list[dict]) -> list[bytes]:
    lines = [encode_json(doc) for doc in docs]
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return lines


def expected_output(lines: list[bytes], trace: bool = False) -> bytes:
    return b"".join(calculate(decode_input(line)).to_json(trace=trace) + b"\n" for line in lines)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BISTAND), "calculate", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


@pytest.fixture
def parallel(monkeypatch):
    """Make small files take the parallel path: tiny chunks, two workers."""
    monkeypatch.setattr(batch_io, "CHUNK_BYTES", 2048)
    monkeypatch.setattr(batch_io, "PARALLEL_MIN_BYTES", 0)


# --- the command ----------------------------------------------------------------------------------------


def test_command_writes_one_result_per_line_in_input_order(tmp_path):
    lines = write_lines(tmp_path / "in.jsonl", [household(i) for i in range(60)])
    done = run_cli("--batch", "in.jsonl", "--out", "out.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.jsonl").read_bytes() == expected_output(lines)
    assert b'"lines"' not in (tmp_path / "out.jsonl").read_bytes()


def test_command_with_trace_writes_every_step(tmp_path):
    lines = write_lines(tmp_path / "in.jsonl", [household(i) for i in range(12)])
    done = run_cli("--batch", "in.jsonl", "--out", "out.jsonl", "--trace", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.jsonl").read_bytes() == expected_output(lines, trace=True)


def test_command_error_names_line_and_field_and_leaves_no_output_file(tmp_path):
    docs = [household(i) for i in range(30)]
    docs[16]["household"]["children"] = [{"id": "b0", "age": 25}]
    write_lines(tmp_path / "in.jsonl", docs)
    done = run_cli("--batch", "in.jsonl", "--out", "out.jsonl", cwd=tmp_path)
    assert done.returncode == 2
    assert "rad 17" in done.stderr
    assert "household.children[0].age" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()
    assert leftovers(tmp_path) == []


def test_command_leaves_an_existing_output_file_untouched_on_error(tmp_path):
    docs = [household(i) for i in range(5)]
    docs[3]["incomes"].append({"type": "wage", "amount": 100})  # a wage without a member
    write_lines(tmp_path / "in.jsonl", docs)
    (tmp_path / "out.jsonl").write_text("old results\n")
    done = run_cli("--batch", "in.jsonl", "--out", "out.jsonl", cwd=tmp_path)
    assert done.returncode == 2
    assert "rad 4" in done.stderr and "incomes[1].member" in done.stderr
    assert (tmp_path / "out.jsonl").read_text() == "old results\n"
    assert leftovers(tmp_path) == []


def test_command_exit_code_is_1_when_a_file_cannot_be_read_or_written(tmp_path):
    done = run_cli("--batch", "missing.jsonl", "--out", "out.jsonl", cwd=tmp_path)
    assert done.returncode == 1 and "missing.jsonl" in done.stderr
    write_lines(tmp_path / "in.jsonl", [household(1)])
    done = run_cli("--batch", "in.jsonl", "--out", "no/such/dir/out.jsonl", cwd=tmp_path)
    assert done.returncode == 1 and "out.jsonl" in done.stderr
    assert leftovers(tmp_path) == []


def test_command_empty_line_is_an_input_error(tmp_path):
    (tmp_path / "in.jsonl").write_bytes(encode_json(household(1)) + b"\n\n" + encode_json(household(2)) + b"\n")
    done = run_cli("--batch", "in.jsonl", "--out", "out.jsonl", cwd=tmp_path)
    assert done.returncode == 2
    assert "rad 2: Raden är tom" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_command_empty_file_gives_an_empty_output_file(tmp_path):
    (tmp_path / "in.jsonl").write_bytes(b"")
    done = run_cli("--batch", "in.jsonl", "--out", "out.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.jsonl").read_bytes() == b""


# --- run_batch: the parallel path -----------------------------------------------------------------------


def test_parallel_run_keeps_input_order_across_chunks(tmp_path, parallel):
    lines = write_lines(tmp_path / "in.jsonl", [household(i) for i in range(400)])
    assert run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", progress=False, workers=2) == 0
    assert (tmp_path / "out.jsonl").read_bytes() == expected_output(lines)
    assert leftovers(tmp_path) == []


def test_parallel_run_with_trace(tmp_path, parallel):
    lines = write_lines(tmp_path / "in.jsonl", [household(i) for i in range(80)])
    run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", trace=True, progress=False, workers=2)
    assert (tmp_path / "out.jsonl").read_bytes() == expected_output(lines, trace=True)


def test_parallel_run_reports_the_first_invalid_line_of_the_file(tmp_path, parallel):
    docs = [household(i) for i in range(400)]
    docs[390]["month"] = "2023-01"  # no riksnorm: in a late chunk
    docs[251]["household"]["adults"][0]["age"] = 12  # the first error
    docs[333]["costs"][0]["amount"] = -5
    write_lines(tmp_path / "in.jsonl", docs)
    with pytest.raises(CalculationInputError) as caught:
        run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", progress=False, workers=2)
    assert (caught.value.index, caught.value.field) == (251, "household.adults[0].age")
    assert not (tmp_path / "out.jsonl").exists()
    assert leftovers(tmp_path) == []


def test_parallel_run_without_final_newline(tmp_path, parallel):
    lines = write_lines(tmp_path / "in.jsonl", [household(i) for i in range(100)])
    (tmp_path / "in.jsonl").write_bytes(b"\n".join(lines))
    run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", progress=False, workers=2)
    assert (tmp_path / "out.jsonl").read_bytes() == expected_output(lines)


# --- run_batch: progress bar, file mode -----------------------------------------------------------------


def test_progress_bar_is_written_in_swedish_to_the_given_stream(tmp_path, parallel):
    write_lines(tmp_path / "in.jsonl", [household(i) for i in range(200)])
    stream = io.StringIO()
    run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", progress=stream, workers=2)
    text = stream.getvalue()
    assert "Beräknar  [" in text and "100 %" in text
    assert text.rstrip().endswith("s") and "Klart: 200 hushåll på" in text


def test_no_progress_bar_for_small_files_by_default(tmp_path, capsys):
    write_lines(tmp_path / "in.jsonl", [household(i) for i in range(10)])
    run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    assert capsys.readouterr().err == ""


def test_output_file_gets_the_usual_permissions(tmp_path):
    write_lines(tmp_path / "in.jsonl", [household(1)])
    old = os.umask(0o022)
    try:
        run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.jsonl").stat().st_mode) == 0o644


def test_progress_bar_text():
    bar = batch_io.ProgressBar(1000, stream=io.StringIO())
    bar.update(420, 123456)
    assert bar.text() == "Beräknar  [############..................]  42 %  123 456 hushåll klara"


def test_parallel_run_passes_on_an_unexpected_error_and_leaves_nothing(tmp_path, parallel, monkeypatch):
    write_lines(tmp_path / "in.jsonl", [household(i) for i in range(200)])
    original = batch_io._calculate_pieces

    def failing(text, **kwargs):
        if b'"age":33' in text:
            raise ValueError("fel i beräkningen")
        return original(text, **kwargs)

    monkeypatch.setattr(batch_io, "_calculate_pieces", failing)
    with pytest.raises(ValueError, match="fel i beräkningen"):
        run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", progress=False, workers=2)
    assert not (tmp_path / "out.jsonl").exists()
    assert leftovers(tmp_path) == []


def test_parallel_run_reports_a_worker_that_dies(tmp_path, parallel, monkeypatch):
    write_lines(tmp_path / "in.jsonl", [household(i) for i in range(200)])

    def dying(text, **kwargs):
        os._exit(9)

    monkeypatch.setattr(batch_io, "_calculate_pieces", dying)
    with pytest.raises(OSError, match="avbröts oväntat"):
        run_batch(tmp_path / "in.jsonl", tmp_path / "out.jsonl", progress=False, workers=2)
    assert not (tmp_path / "out.jsonl").exists()
    assert leftovers(tmp_path) == []
