"""pytest plugin: ``pytest --postgres`` runs the database tests against a throwaway PostgreSQL cluster.

The plugin is loaded early (``-p tests.pgcluster`` in pyproject.toml) so that it can start the cluster
and set DATABASE_URL *before* pytest-django loads the Django settings. The cluster lives in a
temporary directory, listens only on a Unix socket, runs with fsync off, and is stopped and removed
when the test session ends (also on Ctrl-C). PostgreSQL refuses to run as root: when the tests run as
root, initdb and pg_ctl run as the ``postgres`` OS user through ``runuser``.

With ``--postgres`` only the tests that use the database are collected (the others already ran on
SQLite and do not depend on the database engine).

Environment: BISTAND_PG_BINDIR (default: the newest /usr/lib/postgresql/*/bin, else PATH).
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

_cluster: ThrowawayCluster | None = None

DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
               "live_server", "client", "admin_client", "admin_user", "django_user_model", "django_db_setup"}


def _find_bindir() -> Path:
    configured = os.environ.get("BISTAND_PG_BINDIR")
    if configured:
        return Path(configured)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if candidates:
        return Path(candidates[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise pytest.UsageError(
        "--postgres: PostgreSQL's initdb was not found. Install PostgreSQL 15 or set BISTAND_PG_BINDIR."
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayCluster:
    def __init__(self, *, durable: bool = False) -> None:
        #: Durable: fsync and synchronous commits on, as in production (fault tests that stop the server
        #: with -m immediate must not lose what was committed); otherwise off, for speed.
        self.durable = durable
        self.bindir = _find_bindir()
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="bistand-pg-"))
        self.data = self.base / "data"
        self.socket_dir = self.base / "sock"
        self.socket_dir.mkdir()
        self.port = _free_port()
        self.started = False
        if self.as_root:
            shutil.chown(self.base, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses='' -c max_connections=50"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.base / "server.log"),
                  "-w", "-t", "60", "start")
        self.started = True

    def halt(self) -> None:
        """Stop the server at once (as a crash or a pulled plug would), keeping its data (fault tests)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def resume(self) -> None:
        """Start the server again after :meth:`halt` (it recovers from its write-ahead log)."""
        options = (f"-p {self.port} -k {self.socket_dir} -c listen_addresses='' -c max_connections=50")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.base / "server.log"),
                  "-w", "-t", "60", "start")

    @property
    def url(self) -> str:
        return f"postgres://postgres@:{self.port}/bistand?host={self.socket_dir}"

    def stop(self) -> None:
        if self.started:
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except RuntimeError:
                pass
            self.started = False
        shutil.rmtree(self.base, ignore_errors=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--postgres", action="store_true", default=False,
                     help="run the database tests against a throwaway PostgreSQL cluster")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    global _cluster
    if "--postgres" not in args:
        return
    if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("DATABASE_URL"):
        return  # a pytest-xdist worker: the controller started the cluster and passed DATABASE_URL down
    _cluster = ThrowawayCluster()
    atexit.register(_cluster.stop)
    _cluster.start()
    os.environ["DATABASE_URL"] = _cluster.url


def pytest_report_header(config):
    if _cluster is not None:
        return f"database: throwaway PostgreSQL cluster ({_cluster.bindir}), socket {_cluster.socket_dir}"
    return f"database: {os.environ.get('DATABASE_URL', 'SQLite in memory')}"


def _uses_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(DB_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--postgres"):
        return
    keep, drop = [], []
    for item in items:
        (keep if _uses_database(item) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_unconfigure(config):
    global _cluster
    if _cluster is not None:
        _cluster.stop()
        _cluster = None
