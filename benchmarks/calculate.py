"""Benchmark of `bistand calculate`: households per second.

    .venv/bin/python benchmarks/calculate.py [--sizes 10000,100000,1000000] [--seed 2026] [--repeat 3]

For each N it generates N households (benchmarks/households.py: deterministic with the seed, a realistic
mix of 1–2 adults, 0–5 children, some present part of the month, rent, other costs, incomes and wages)
and measures

  (a) single   the single-household path: decode_input + calculate for each household, one at a time;
               above --single-max households it is measured on the first --single-max households and
               extrapolated (the output says so);
  (b) batch    the vectorised batch path from in-memory arrays: `calculate_arrays(HouseholdArrays)`
               (the arrays are built from the JSONL before timing);
  (c) cli      the command end to end: a real subprocess `bistand calculate --batch IN.jsonl --out
               OUT.jsonl` (no --trace), from start to exit, parsing and writing included; OUT.jsonl does
               not exist before each run (deleted beforehand, outside the timing).

(b) and (c) read with the compiled batch reader (the default); BISTAND_BATCH_READER=python measures the
pure-Python reader instead (the header says which). Times are wall-clock; (b) and (c) are the best of
--repeat runs. This is a benchmark, not a test; the
figures depend on the machine and on what else runs on it. Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import msgspec
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import households  # noqa: E402

from bistand.engine import batch_io  # noqa: E402
from bistand.engine.batch import calculate_arrays  # noqa: E402
from bistand.engine.batch_io import decode_jsonl  # noqa: E402
from bistand.rules import calculate, decode_input  # noqa: E402


def machine() -> dict[str, str]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "msgspec": msgspec.__version__,
        "batch reader": "compiled (bistand.engine._linescan)" if batch_io.use_compiled_reader
        else "python (msgspec; BISTAND_BATCH_READER=python)",
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def speed_probe() -> float:
    """Seconds for a fixed piece of pure-Python work (a 3 000 000-element list comprehension). On a shared
    virtual machine the processor's speed varies from minute to minute; this shows how fast it was."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        [i for i in range(3_000_000)]
        best = min(best, time.perf_counter() - start)
    return best


def bistand_command() -> list[str]:
    script = Path(sys.executable).parent / "bistand"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bistand.cli"]


def bench_single(lines: list[bytes], limit: int) -> tuple[float, bool]:
    """Households per second of decode_input + calculate, one by one (extrapolated beyond `limit`)."""
    sample = lines[:limit]
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for line in sample:
            calculate(decode_input(line))
        elapsed = time.perf_counter() - start
    finally:
        if gc_enabled:
            gc.enable()
    return len(sample) / elapsed, len(sample) < len(lines)


def bench_batch(text: bytes, repeat: int) -> tuple[float, float]:
    """(households per second of calculate_arrays, seconds) from arrays built beforehand."""
    arrays = decode_jsonl(text)
    calculate_arrays(arrays)  # parameter tables loaded once, as in a running process
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = calculate_arrays(arrays)
        best = min(best, time.perf_counter() - start)
        del result
    return arrays.n / best, best


def bench_cli(path: Path, n: int, repeat: int, workdir: Path) -> tuple[float, float]:
    """(households per second, seconds) of the whole command, best of `repeat`."""
    out = workdir / f"out-{n}.jsonl"
    best = float("inf")
    for _ in range(repeat):
        out.unlink(missing_ok=True)  # each run writes a new file (replacing one would add freeing its pages)
        start = time.perf_counter()
        done = subprocess.run(
            [*bistand_command(), "calculate", "--batch", str(path), "--out", str(out)],
            capture_output=True, text=True,
        )
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"bistand calculate --batch misslyckades:\n{done.stderr}")
        best = min(best, elapsed)
    with open(out, "rb") as fh:
        written = sum(1 for _ in fh)
    if written != n:
        raise SystemExit(f"fel antal resultat: {written} rader för {n} hushåll")
    out.unlink()
    return n / best, best


def rate(x: float) -> str:
    return f"{x:>14,.0f}".replace(",", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated N (default %(default)s)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3, help="runs of (b) and (c); the best counts")
    parser.add_argument("--single-max", type=int, default=100_000,
                        help="measure (a) on at most this many households and extrapolate (default %(default)s)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: single,batch,cli")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    skip = set(filter(None, args.skip.split(",")))

    info = machine()
    print("Benchmark: bistand calculate (households per second)")
    for key, value in info.items():
        print(f"  {key:13s} {value}")
    print(f"  command       {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"  speed probe   {speed_probe():.3f} s (3 000 000-element list comprehension; lower is faster)")
    print(f"  generator     benchmarks/households.py, seed {args.seed}")
    print()

    with tempfile.TemporaryDirectory(prefix="bistand-bench-") as tmp:
        workdir = Path(tmp)
        largest = max(sizes)
        started = time.perf_counter()
        text = households.generate_jsonl(largest, seed=args.seed)
        lines = text.splitlines()
        print(f"Generated {largest:,} households ({len(text) / 1e6:.0f} MB JSONL) in "
              f"{time.perf_counter() - started:.1f} s".replace(",", " "))
        print()
        header = f"{'N':>10}  {'(a) single':>14}  {'(b) batch':>14}  {'(c) cli':>14}   notes"
        print(header)
        print("-" * len(header))
        for n in sizes:
            part = b"".join(line + b"\n" for line in lines[:n])
            notes = []
            single_rate = batch_rate = cli_rate = float("nan")
            if "single" not in skip:
                single_rate, extrapolated = bench_single(lines[:n], args.single_max)
                if extrapolated:
                    notes.append(f"(a) extrapolated from the first {args.single_max:,} households".replace(",", " "))
            if "batch" not in skip:
                batch_rate, seconds = bench_batch(part, args.repeat)
                notes.append(f"(b) {seconds * 1000:.0f} ms")
            if "cli" not in skip:
                path = workdir / f"in-{n}.jsonl"
                path.write_bytes(part)
                cli_rate, seconds = bench_cli(path, n, args.repeat, workdir)
                notes.append(f"(c) {seconds:.2f} s")
                path.unlink()
            print(f"{n:>10,}  {rate(single_rate)}  {rate(batch_rate)}  {rate(cli_rate)}   {'; '.join(notes)}"
                  .replace(",", " "))
            sys.stdout.flush()
    print()
    print(f"Speed probe at the end: {speed_probe():.3f} s; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("Goals on the 2-core machine: (b) ≥ 5 000 000/s at 1 000 000; (c) ≥ 300 000/s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
