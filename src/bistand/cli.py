"""The `bistand` command.

    bistand calculate FILE.json                      one household → result JSON on stdout
    bistand calculate --batch IN.jsonl --out OUT.jsonl [--trace]
    bistand run [--no-demo] [ADDR:PORT]              migrate, load demo data if empty, serve
    bistand demo [--seed N]                          (re)load the demo data
    bistand research-export --project P --out DIR    a research project's pseudonymised export
    bistand <any Django management command> ...      e.g. bistand migrate, bistand createsuperuser

`calculate` needs no database and does not start Django.
"""

from __future__ import annotations

import os
import sys


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bistand.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["bistand", *argv])
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__.strip())
        return 0
    command = argv[0]
    if command == "calculate":
        from bistand.engine.cli import main as calculate_main

        return calculate_main(argv[1:])
    if command == "run":
        return _django(["rundemo", *argv[1:]])
    return _django(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
