"""Benchmark of the follow-up pages' data (issue 19 §5): seconds for the region page's data, one
municipality's dashboard and `bistand indicators --region` for a year (goal: each under 1 s).

    .venv/bin/python benchmarks/followup.py [--rows 3000000] [--seed 1] [--year 2025] [--database-url URL]

It generates the history of 13 municipalities of one region over 2021–2025 (bistand.demo.history,
deterministic for the seed; --rows caps the person-months, whole household-months only), makes a fresh
SQLite database (or uses --database-url, which must be an empty database), migrates it, sets up the
municipalities, imports the file with `bistand import-history`, and then times, in this process,
`followup.dashboard.region_overview` and `followup.dashboard.municipality_dashboard` (Jönköping), and
the command `bistand indicators --region --year Y --json` in a subprocess from start to exit.
This is a benchmark, not a test. Results: docs/performance.md ("Follow-up dashboards").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import import_history as ih  # noqa: E402  (the same file, municipalities and helpers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bistand-followup-") as tmp:
        workdir = Path(tmp)
        csv_path = workdir / "historik.csv"
        rows = ih._file(args.rows, args.seed, csv_path)
        url = args.database_url or f"sqlite:///{workdir / 'bistand.sqlite3'}"
        env = ih._env(url)
        subprocess.run([str(ih.BISTAND), "migrate", "-v0"], env=env, check=True, cwd=ih.ROOT)
        for code, name in ih.MUNICIPALITIES:
            subprocess.run([str(ih.BISTAND), "municipality", "add", code, name, "--region", ih.REGION], env=env,
                           check=True, cwd=ih.ROOT, capture_output=True)
        imported, _ = ih._timed(["import-history", str(csv_path), "--no-progress"], env)
        os.environ.update(env)
        import django

        django.setup()
        from bistand.followup import dashboard
        from bistand.tenancy.models import Municipality, Region

        region = Region.objects.get(name=ih.REGION)
        municipality = Municipality.objects.get(code="0680")
        load = os.getloadavg()[0]
        started = time.monotonic()
        dashboard.region_overview(region, args.year)
        region_seconds = time.monotonic() - started
        started = time.monotonic()
        dashboard.municipality_dashboard(municipality, args.year)
        municipality_seconds = time.monotonic() - started
        command, _ = ih._timed(["indicators", "--region", "--year", str(args.year), "--json"], env)
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    count = f"{rows:,}".replace(",", " ")
    print(f"uppföljning, {database}, {count} personmånader ({len(ih.MUNICIPALITIES)} kommuner), load {load:.1f}:")
    print(f"  inläsning av historiken:            {imported:.1f} s")
    print(f"  regionsidans data ({args.year}):          {region_seconds:.2f} s  mål: under 1 s")
    print(f"  en kommuns översikt (0680):         {municipality_seconds:.2f} s  mål: under 1 s")
    print(f"  bistand indicators --region:        {command:.2f} s  mål: under 1 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
