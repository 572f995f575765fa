"""The database server stops in the middle of an application submit (issue 16 §4): nothing of the
submit is kept, the applicant gets a clear Swedish message, and once the server is back the same
submit goes through. The test starts a PostgreSQL cluster of its own (tests/pgcluster.py) and stops it
with ``pg_ctl stop -m immediate`` from inside the submit (tests/faults/pg_stop_submit.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pgcluster import ThrowawayCluster, _find_bindir

ROOT = Path(__file__).resolve().parents[2]


def _postgres_available() -> bool:
    try:
        return (_find_bindir() / "pg_ctl").exists()
    except pytest.UsageError:
        return False


pytestmark = pytest.mark.skipif(not _postgres_available(), reason="needs PostgreSQL's pg_ctl (BISTAND_PG_BINDIR)")


@pytest.fixture
def own_cluster():
    # Durable (fsync and synchronous commit on, as in production): with them off, a commit acknowledged
    # just before the immediate stop (the applicant's login session) may be lost in the crash.
    cluster = ThrowawayCluster(durable=True)
    try:
        cluster.start()
        createdb = [str(cluster.bindir / "createdb"), "-h", str(cluster.socket_dir), "-p", str(cluster.port),
                    "-U", "postgres", "bistand"]
        subprocess.run(createdb, check=True, capture_output=True)
        yield cluster
    finally:
        cluster.stop()


def test_a_submit_cut_off_by_a_stopped_database_keeps_nothing_and_can_be_sent_again(own_cluster):
    options = f"-p {own_cluster.port} -k {own_cluster.socket_dir} -c listen_addresses='' -c max_connections=50"
    env = {**os.environ, "DATABASE_URL": own_cluster.url, "DJANGO_SETTINGS_MODULE": "bistand.settings.test",
           "BISTAND_FAULT_PGCTL": str(own_cluster.bindir / "pg_ctl"), "BISTAND_FAULT_PGDATA": str(own_cluster.data),
           "BISTAND_FAULT_PGOPTIONS": options, "BISTAND_FAULT_PGLOG": str(own_cluster.base / "server.log")}
    result = subprocess.run([sys.executable, "-m", "tests.faults.pg_stop_submit"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["fault_status"] == 503, seen["fault_text"][:2000]
    assert "inte sparats" in seen["fault_text"] and "Försök igen" in seen["fault_text"]
    assert seen["fault_retry_after"]
    after = seen["after_fault"]
    assert (after["status"], after["signed"], after["submitted"]) == ("draft", False, False)
    assert "submitted" not in after["audited"]  # the drafts' own events only
    assert seen["again_status"] == 302 and seen["final_status"] == seen["submitted_status"], \
        (seen["again_location"], seen["final_status"])  # a redirect to the login page: the session was lost


def test_a_monthly_run_cut_off_by_a_stopped_database_leaves_whole_chunks_and_resumes_on_rerun(own_cluster, tmp_path):
    options = f"-p {own_cluster.port} -k {own_cluster.socket_dir} -c listen_addresses='' -c max_connections=50"
    fixtures = tmp_path / "ssbtek.json"
    env = {**os.environ, "DATABASE_URL": own_cluster.url, "DJANGO_SETTINGS_MODULE": "bistand.settings.test",
           "BISTAND_FAULT_PGCTL": str(own_cluster.bindir / "pg_ctl"), "BISTAND_FAULT_PGDATA": str(own_cluster.data),
           "BISTAND_SSBTEK_SIMULATOR_FIXTURES": str(fixtures), "BISTAND_SSBTEK_SIMULATOR_DEVIATING_PERCENT": "0",
           "BISTAND_ATTACHMENT_DIR": str(tmp_path / "attachments")}

    def step(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tests.faults.pg_stop_monthly_run", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=900)

    def state() -> dict:
        result = step("state", where["code"], where["month"])
        assert result.returncode == 0, result.stderr[-4000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    prepared = step("prepare", str(fixtures))
    assert prepared.returncode == 0, prepared.stderr[-4000:]
    where = json.loads(prepared.stdout.strip().splitlines()[-1])

    cut_off = step("stop-in-run", where["code"], where["month"])
    assert cut_off.returncode != 0  # the server went away under it
    subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                   + [str(own_cluster.bindir / "pg_ctl"), "-D", str(own_cluster.data), "-o", options,
                      "-l", str(own_cluster.base / "server.log"), "-w", "-t", "60", "start"],
                   check=True, capture_output=True, cwd="/")

    after_fault = state()
    # No partial writes: an application is either untouched or decided with its one decision and payment;
    # the first chunk (2 applications) was committed, the second was not.
    assert sorted(tuple(row.values()) for row in after_fault.values()) == sorted(
        [("decided", 1, 1)] * 2 + [("submitted", 0, 0)] * 4), after_fault

    rerun = step("run", where["code"], where["month"])
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-4000:]
    assert all(tuple(row.values()) == ("decided", 1, 1) for row in state().values()), state()
