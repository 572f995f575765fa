"""Runs ``bistand`` with the arguments given and kills its own process with SIGKILL (as kill -9 would)
at a chosen point of a monthly run (used by test_crash.py in a subprocess):

    BISTAND_CRASH_AFTER_CHUNKS=3 BISTAND_CRASH_DELAY=0.01 python -m tests.casework.killed_run monthly-run ...

The process dies ``BISTAND_CRASH_DELAY`` seconds after its ``BISTAND_CRASH_AFTER_CHUNKS``-th finished
chunk (0: after its start, during the start-up or the first chunk). The clock runs in the process itself, so
the kill point does not depend on how fast the test reads the progress lines on a loaded machine (a parent
that reads late would find the run several chunks further on, or finished). The kill comes from a thread:
at the next switch between threads (at most a few milliseconds), also while the main thread waits for the
database, so the run dies at any stage of a chunk — reading, calculating, writing or committing.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading


def _arm(delay: float) -> None:
    timer = threading.Timer(delay, os.kill, args=(os.getpid(), signal.SIGKILL))
    timer.daemon = True
    timer.start()


def main() -> int:
    after = int(os.environ["BISTAND_CRASH_AFTER_CHUNKS"])
    delay = float(os.environ["BISTAND_CRASH_DELAY"])
    if after == 0:
        _arm(delay)
    else:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bistand.settings.dev")
        django.setup()  # the command's module imports models (``bistand`` below sets up again: a no-op)
        command = importlib.import_module("bistand.casework.management.commands.monthly-run")
        report = command.Progress.__call__
        seen = 0

        def counting(self, done, total, result):
            nonlocal seen
            report(self, done, total, result)
            seen += 1
            if seen == after:
                _arm(delay)

        command.Progress.__call__ = counting
    from bistand.cli import main as bistand

    return bistand(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
