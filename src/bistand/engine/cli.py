"""`bistand calculate`: försörjningsstöd from the command line, without Django or a database.

    bistand calculate FILE.json                              one household → result JSON (with lines) on stdout
    bistand calculate --batch IN.jsonl --out OUT.jsonl [--trace]
    bistand calculate --year-file riksnorm-2027.yaml FILE.json   with a year's confirmed figures (riksnorm/<year>.yaml
                                                                 format); without one, a year after the latest known
                                                                 one gets provisional values, with warnings

Exit codes: 0 done, 2 invalid input or arguments (the message on stderr names the field, and in batch mode
the line), 1 a file that cannot be read or written.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bistand.rules.errors import CalculationInputError, ParameterFileError

EXIT_OK = 0
EXIT_FILE = 1
EXIT_INPUT = 2


class _SwedishHelp(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        return super().add_usage(usage, actions, groups, prefix="Användning: ")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: fel: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bistand calculate",
        description=(
            "Räkna ut försörjningsstöd för en månad enligt riksnormen och de lokala parametrarna. "
            "Indata följer calculation.schema.json; resultatet skrivs som JSON."
        ),
        epilog=(
            "Exempel: bistand calculate hushall.json  |  "
            "bistand calculate --batch hushall.jsonl --out resultat.jsonl --trace"
        ),
        formatter_class=_SwedishHelp,
        add_help=False,
    )
    parser._positionals.title = "argument"
    parser._optionals.title = "flaggor"
    parser.add_argument("-h", "--help", action="help", help="visa den här hjälptexten och avsluta")
    parser.add_argument(
        "file", nargs="?", metavar="FIL.json", help="JSON-fil med ett hushåll (- läser från standard in)"
    )
    parser.add_argument("--batch", metavar="IN.jsonl", help="JSONL-fil med ett hushåll per rad")
    parser.add_argument("--out", metavar="UT.jsonl", help="fil för resultaten i batchläge, ett per rad i samma ordning")
    parser.add_argument(
        "--trace", action="store_true", help="ta med alla beräkningssteg (lines) i batchläge"
    )
    parser.add_argument(
        "--local-parameters",
        metavar="KATALOG",
        default=os.environ.get("BISTAND_LOCAL_PARAMETERS_DIR") or None,
        help="katalog med egna lokala parameterfiler (<kommunkod>.yaml); standard: BISTAND_LOCAL_PARAMETERS_DIR",
    )
    parser.add_argument(
        "--year-file",
        metavar="ÅR.yaml",
        action="append",
        default=[],
        help=("fil med ett års bekräftade belopp i samma format som riksnorm/<år>.yaml (kan anges flera gånger); "
              "utan den räknas ett år efter det senaste kända med preliminära belopp och varningar"),
    )
    return parser


def _year_documents(paths: list[str]) -> dict[str, str]:
    """The --year-file documents by name (riksnorm/<year>.yaml, the year of their first block), checked."""
    import datetime as dt

    import yaml

    from bistand.rules.parameters import check_year_document

    documents: dict[str, str] = {}
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ParameterFileError(f"{path}: {exc.strerror or exc}") from None
        try:
            data = yaml.safe_load(text)
            year = min(dt.date.fromisoformat(str(key)).year for key in data["values"])
        except (yaml.YAMLError, TypeError, KeyError, ValueError):
            raise ParameterFileError(f"{path}: filen ska ha samma format som riksnorm/<år>.yaml") from None
        check_year_document(text, year)
        documents[f"riksnorm/{year}.yaml"] = text
    return documents


def _single(path: str, local_dir: str | None) -> int:
    from bistand.rules.calculate import calculate
    from bistand.rules.model import decode_input

    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        print(f"bistand calculate: kan inte läsa {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FILE
    try:
        result = calculate(decode_input(data), local_dir=local_dir)
    except CalculationInputError as exc:
        print(f"bistand calculate: {path}: {exc}", file=sys.stderr)
        return EXIT_INPUT
    sys.stdout.buffer.write(result.to_json(trace=True) + b"\n")
    sys.stdout.flush()
    return EXIT_OK


def _batch(in_path: str, out_path: str, trace: bool, local_dir: str | None) -> int:
    from bistand.engine.readers import ReaderChoiceError

    try:
        from bistand.engine.batch_io import run_batch  # chooses its reader (BISTAND_BATCH_READER) on import
    except ReaderChoiceError as exc:
        print(f"bistand calculate: {exc}", file=sys.stderr)
        return EXIT_INPUT
    try:
        status = run_batch(in_path, out_path, trace=trace, local_dir=local_dir)
    except CalculationInputError as exc:
        line = f"rad {exc.index + 1}: " if exc.index is not None else ""
        where = f"fältet {exc.field}: " if exc.field else ""
        print(f"bistand calculate: {in_path}: {line}{where}{exc.message}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        print(f"bistand calculate: {exc.filename or in_path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FILE
    return EXIT_OK if status is None else int(status)


def main(argv: list[str] | None = None) -> int:
    """Run `bistand calculate` with `argv` (without the word "calculate"); returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help or an argument error
        return int(exc.code or 0)
    from bistand.rules.parameters import set_documents_provider

    documents: dict[str, str] = {}
    previous = None
    try:
        documents = _year_documents(args.year_file)
        if documents:  # the single and the batch path both ask the provider
            previous = set_documents_provider(lambda year, municipality: documents)
        if args.batch is not None:
            if args.file is not None:
                parser.error("ange antingen en FIL.json eller --batch, inte båda")
            if args.out is None:
                parser.error("--batch kräver --out UT.jsonl")
            return _batch(args.batch, args.out, args.trace, args.local_parameters)
        if args.file is None:
            parser.error("ange en FIL.json med ett hushåll, eller --batch IN.jsonl --out UT.jsonl")
        if args.out is not None or args.trace:
            parser.error("--out och --trace hör till --batch; för en enda fil skrivs resultatet med alla steg")
        return _single(args.file, args.local_parameters)
    except SystemExit as exc:
        return int(exc.code or 0)
    except ParameterFileError as exc:
        print(f"bistand calculate: fel i parameterfilerna: {exc}", file=sys.stderr)
        return EXIT_FILE
    finally:
        if documents:
            set_documents_provider(previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
