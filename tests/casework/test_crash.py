"""The crash test: ``bistand monthly-run`` is killed with SIGKILL (kill -9) at random points several times,
then run to the end; the database must hold exactly what one uninterrupted run writes — each application
decided at most once, each granted automated decision paid exactly once, each person asked once of the
registers — and nothing else.

It runs the real command in subprocesses against a database of its own: an SQLite file, and with
``pytest --postgres`` a database in the throwaway PostgreSQL cluster. The data is the demo's (``bistand
demo``: standard recurring applications and one of each deviation); the reference is an uninterrupted run
on a copy of the same database.

The kill points are random (the seed is printed; set BISTAND_CRASH_SEED to repeat a run): after a random
number of finished chunks and a random further delay, so that the process dies at any stage of a chunk —
while reading, calculating or writing, or committing. The process kills itself (tests/casework/killed_run.py),
so that the point does not depend on how quickly this test would notice the chunks on a loaded machine.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
BISTAND = [sys.executable, "-c", "import sys; from bistand.cli import main; sys.exit(main())"]
CODE = "0680"
KILLS = 5
CHUNK = "2"


def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update({
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bistand.settings.dev",
        "BISTAND_DATA_DIR": str(tmp_path),
        "AUDIT_LOG_LEVEL": "WARNING",
        "LOG_LEVEL": "WARNING",
    })
    return env


def _bistand(env, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([*BISTAND, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=check,
                          timeout=600)


def _state(env, month: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "tests.casework.crash_state", CODE, month], env=env, cwd=ROOT,
                            capture_output=True, text=True, check=True, timeout=120)
    return json.loads(result.stdout)


def _run(env, month: str) -> subprocess.CompletedProcess:
    return _bistand(env, "monthly-run", "--municipality", CODE, "--month", month, "--chunk-size", CHUNK, "-v", "2")


def _run_and_kill(env, month: str, after_chunks: int, delay: float) -> tuple[bool, str]:
    """Run it and have it killed with SIGKILL ``delay`` seconds after its ``after_chunks``-th chunk (the
    process kills itself: tests/casework/killed_run.py). Returns whether it was killed (False: it finished
    first) and a line about the attempt for the failure message."""
    process = subprocess.run(
        [sys.executable, "-m", "tests.casework.killed_run", "monthly-run", "--municipality", CODE, "--month", month,
         "--chunk-size", CHUNK, "-v", "2"],
        env={**env, "BISTAND_CRASH_AFTER_CHUNKS": str(after_chunks), "BISTAND_CRASH_DELAY": f"{delay:.4f}"},
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=300)
    chunks = process.stderr.count("ansökningar")
    last = process.stderr.strip().splitlines()[-1:] or ["(nothing on stderr)"]
    about = (f"after {after_chunks} chunks + {delay * 1000:.0f} ms: exit code {process.returncode}, "
             f"{chunks} chunks reported, last line: {last[0]}")
    return process.returncode == -signal.SIGKILL, about


class Databases:
    """Fresh databases for the subprocesses: SQLite files, or databases in the PostgreSQL cluster."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        database = settings.DATABASES["default"]
        self.postgres = database["ENGINE"].endswith("postgresql")
        self.params = database
        self.created: list[str] = []

    def _admin(self):
        import psycopg

        return psycopg.connect(dbname="postgres", host=self.params["HOST"], port=self.params["PORT"] or None,
                               user=self.params["USER"] or None, autocommit=True)

    def new(self, name: str) -> str:
        if not self.postgres:
            return f"sqlite:///{self.tmp_path / (name + '.sqlite3')}"
        with self._admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self._url(name)

    def copy(self, source: str, name: str) -> str:
        if not self.postgres:
            shutil.copy(self.tmp_path / (source + ".sqlite3"), self.tmp_path / (name + ".sqlite3"))
            return f"sqlite:///{self.tmp_path / (name + '.sqlite3')}"
        with self._admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        self.created.append(name)
        return self._url(name)

    def _url(self, name: str) -> str:
        port = self.params["PORT"] or ""
        return f"postgres://{self.params['USER'] or 'postgres'}@:{port}/{name}?host={self.params['HOST']}"

    def drop_all(self) -> None:
        if not self.postgres:
            return
        with self._admin() as connection:
            for name in self.created:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory, django_db_blocker):
    """A migrated database with the demo data (built once for the tests of this module)."""
    tmp_path = tmp_path_factory.mktemp("crash")
    with django_db_blocker.unblock():
        databases = Databases(tmp_path)
        try:
            base = databases.new("crash_base")
            env = _env(base, tmp_path)
            _bistand(env, "migrate", "-v0")
            _bistand(env, "demo", "--households-per-municipality", "50", "--months", "3")
            # the reference: one uninterrupted run on a copy
            reference_env = _env(databases.copy("crash_base", "crash_reference"), tmp_path)
            month = timezone.localdate().strftime("%Y-%m")
            started = time.monotonic()
            reference = _run(reference_env, month)
            wall = time.monotonic() - started
            expected = _state(reference_env, month)
            chunks = reference.stderr.count("ansökningar")
            yield {"databases": databases, "tmp_path": tmp_path, "month": month, "expected": expected,
                   "chunks": chunks, "chunk_seconds": _chunk_seconds(reference.stderr, chunks),
                   # the command's start-up before its progress clock starts (imports, Django's set-up)
                   "startup_seconds": max(0.05, wall - _progress_seconds(reference.stderr)),
                   "summary": reference.stdout,
                   "reference_env": reference_env}
        finally:
            databases.drop_all()


def _progress_seconds(progress: str) -> float:
    """The seconds of the run's last progress line (each ends with the seconds so far)."""
    times = re.findall(r"(\d+(?:,\d+)?) s$", progress, flags=re.MULTILINE)
    return float(times[-1].replace(",", ".")) if times else 0.0


def _chunk_seconds(progress: str, chunks: int) -> float:
    """How long a chunk took in the uninterrupted run."""
    return max(_progress_seconds(progress) / max(chunks, 1), 0.002)


def _summary(text: str) -> str:
    """The month's summary without the lines about this particular run."""
    return text.split("\n\nDen här körningen")[0]


def test_killing_the_monthly_run_at_random_points_and_running_it_again_gives_the_same_result(demo_database):
    seed = int(os.environ.get("BISTAND_CRASH_SEED") or time.time_ns() % 1_000_000)
    print(f"crash test seed {seed} (BISTAND_CRASH_SEED={seed} repeats it)")
    rng = random.Random(seed)
    month, expected, chunks = demo_database["month"], demo_database["expected"], demo_database["chunks"]
    killed_env = _env(demo_database["databases"].copy("crash_base", "crash_killed"), demo_database["tmp_path"])
    assert chunks >= 8
    assert expected["decisions"] and expected["referrals"], "the demo should give both kinds of work"

    # the same work, killed again and again
    kills = 0
    attempts = []
    remaining = chunks
    for attempt in range(KILLS):
        # The first attempt is killed during start-up or the first chunk; the others within the chunk after
        # the ``after``-th (the delay is less than a chunk takes), leaving at least half of the remaining
        # chunks behind, so that every attempt has work to be killed in.
        after = 0 if attempt == 0 else rng.randint(1, max(1, remaining // 2))
        if after == 0:
            delay = rng.uniform(0.0, demo_database["startup_seconds"] + demo_database["chunk_seconds"])
        else:
            delay = rng.uniform(0.0, demo_database["chunk_seconds"])
        killed, about = _run_and_kill(killed_env, month, after, delay)
        kills += killed
        attempts.append(about)
        partial = _state(killed_env, month)
        # whatever was written is part of the expected result: nothing half done, nothing twice
        assert set(map(tuple, partial["decisions"])) <= set(map(tuple, expected["decisions"]))
        assert set(map(tuple, partial["payments"])) <= set(map(tuple, expected["payments"]))
        assert set(map(tuple, partial["referrals"])) <= set(map(tuple, expected["referrals"]))
        assert partial["unpaid_automated"] == 0
        assert partial["decisions_per_application"] in ([], [1])
        done = len(partial["decisions"]) + len(partial["referrals"])
        remaining = max(1, (len(expected["decisions"]) + len(expected["referrals"]) - done) // int(CHUNK))
    print(f"{kills} of {KILLS} runs killed; start-up {demo_database['startup_seconds']:.2f} s, "
          f"{chunks} chunks of {demo_database['chunk_seconds'] * 1000:.0f} ms")
    assert kills >= 3, f"only {kills} of {KILLS} runs were killed before they finished:\n" + "\n".join(attempts)

    final = _run(killed_env, month)
    assert final.returncode == 0
    got = _state(killed_env, month)
    assert got == expected
    assert got["decisions_per_application"] == [1]
    assert {p[0] for p in got["payments"]} == {d[0] for d in got["decisions"] if d[3] and d[1] == "granted"}
    assert all(number == 1 for _, number, _ in got["fetches"])
    # and the month's summary is the same as after the uninterrupted run
    assert _summary(_run(killed_env, month).stdout) == _summary(demo_database["summary"])


def test_two_runs_at_the_same_time_give_the_result_of_one(demo_database):
    month, expected = demo_database["month"], demo_database["expected"]
    env = _env(demo_database["databases"].copy("crash_base", "crash_twice"), demo_database["tmp_path"])
    command = [*BISTAND, "monthly-run", "--municipality", CODE, "--month", month, "--chunk-size", CHUNK]
    runs = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    got = _state(env, month)
    assert got == expected
    assert got["decisions_per_application"] == [1]
    done = [int(re.search(r"Den här körningen: (\d+) ansökningar", out).group(1))
            if "Den här körningen: det fanns inget" not in out else 0 for out, _ in outputs]
    assert sum(done) == len(expected["decisions"]) + len(expected["referrals"])  # each application once
