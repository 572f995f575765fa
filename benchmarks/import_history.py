"""Benchmark of `bistand import-history`: seconds for a file of N rows on SQLite (goal, issue 19: 100 000
rows in under 30 s).

    .venv/bin/python benchmarks/import_history.py [--rows 100000] [--seed 1]

It generates the file (bistand.demo.history: deterministic for the seed; 13 municipalities of one region,
households of 1–2 adults and 0–3 children with periods of assistance over five years), makes a fresh
SQLite database in a temporary directory, migrates it, sets up the municipalities with
`bistand municipality add`, and then times the real command in a subprocess, from start to exit:

    bistand import-history FILE.csv --no-progress        (first import: every person and month is new)
    bistand import-history FILE.csv --no-progress        (again: nothing changes)

and prints both figures. This is a benchmark, not a test; the figures depend on the machine and on what
else runs on it. Results: docs/performance.md ("Importing history").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BISTAND = ROOT / ".venv" / "bin" / "bistand"
REGION = "Region Jönköpings län"
MUNICIPALITIES = [("0680", "Jönköping"), ("0662", "Gislaved"), ("0684", "Sävsjö"), ("0604", "Aneby"),
                  ("0617", "Gnosjö"), ("0642", "Mullsjö"), ("0643", "Habo"), ("0665", "Vaggeryd"),
                  ("0682", "Nässjö"), ("0683", "Värnamo"), ("0685", "Vetlanda"), ("0686", "Eksjö"),
                  ("0687", "Tranås")]


def _env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bistand.settings.dev", "DEBUG": "false",
                "AUDIT_LOG_LEVEL": "WARNING", "LOG_LEVEL": "WARNING"})
    return env


def _file(rows: int, seed: int, path: Path) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from bistand.demo.history import generate_history

    data = generate_history([code for code, _ in MUNICIPALITIES], households_per_municipality=10**6,
                            first_month=dt.date(2021, 1, 1), last_month=dt.date(2025, 12, 1), seed=seed,
                            max_rows=rows)
    path.write_bytes(data)
    return data.count(b"\n") - 1


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run([str(BISTAND), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return seconds, result.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bistand-import-") as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "historik.csv"
        rows = _file(args.rows, args.seed, csv_path)
        env = _env(f"sqlite:///{workdir / 'bistand.sqlite3'}")
        subprocess.run([str(BISTAND), "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        for code, name in MUNICIPALITIES:
            subprocess.run([str(BISTAND), "municipality", "add", code, name, "--region", REGION], env=env, check=True,
                           cwd=ROOT, capture_output=True)
        load = os.getloadavg()[0]
        first, summary = _timed(["import-history", str(csv_path), "--no-progress"], env)
        again, summary_again = _timed(["import-history", str(csv_path), "--no-progress"], env)
    print(f"import-history, SQLite, {rows:,} rader ({len(MUNICIPALITIES)} kommuner), load {load:.1f} före:".replace(",", " "))
    print(f"  första inläsningen: {first:.1f} s ({rows / first:,.0f} rader/s)  mål: under 30 s".replace(",", " "))
    print(f"  samma fil igen:     {again:.1f} s (inget ändras)")
    print(f"  {summary}")
    print(f"  {summary_again}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
