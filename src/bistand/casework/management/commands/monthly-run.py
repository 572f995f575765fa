"""bistand monthly-run --municipality KOMMUNKOD --month ÅÅÅÅ-MM
bistand monthly-run --due


Processes every submitted application of the municipality and month: register data, calculation,
an automated decision with its payment where the committee's delegation allows it, otherwise to a case
worker with the reasons (see bistand/casework/monthly.py). Progress goes to stderr (a line after every
chunk with -v 2), the summary in Swedish to stdout. It can be stopped at any moment (also with kill -9) and started again: nothing is
decided or paid twice, and the result is the same as if it had run through.

One run at a time per municipality (a database guard, see bistand/casework/monthly.py): when another
run of the municipality is going on — from the web page or another command — the command waits for it
(``--wait`` seconds, default an hour) and then runs; ``--wait 0`` gives up at once.

``--due`` is for a system timer (docs/operations.md): it runs every municipality and month that has
submitted recurring applications whose payment date is near (``monthly.due_runs``).

Exit codes: 0 done; 1 some applications could not be processed (they are listed, and taken up the
next time the command runs); 2 wrong arguments; 3 another run of the municipality was still going on.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from bistand.casework import monthly
from bistand.common.months import parse_month
from bistand.tenancy.models import Municipality


def _n(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


class Progress:
    """Progress on stderr: one redrawn line on a terminal, otherwise a line at most every second (and
    after the last chunk)."""

    def __init__(self, stream, *, label: str, every_chunk: bool = False) -> None:
        self.stream = getattr(stream, "_out", stream)  # Django's OutputWrapper would add line endings
        self.label = label
        self.tty = hasattr(stream, "isatty") and stream.isatty() and not every_chunk
        self.every_chunk = every_chunk
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int, result: monthly.ChunkResult) -> None:
        now = time.monotonic()
        if not self.tty and not self.every_chunk and done < total and now - self.last < 1.0:
            return
        self.last = now
        percent = 100 * done // total if total else 100
        seconds = f"{now - self.started:.1f}".replace(".", ",")
        text = (f"{self.label}: {_n(done)} av {_n(total)} ansökningar ({percent} %), "
                f"{_n(result.decided)} beslutade automatiskt, {_n(result.referred)} till handläggare, {seconds} s")
        if self.tty:
            self.stream.write("\r" + text + ("\n" if done >= total else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Månadskörningen: hämtar registeruppgifter, räknar, fattar automatiska beslut där nämndens delegation "
        "tillåter det och lägger upp utbetalningarna, eller lämnar ansökan till en handläggare med skälen. "
        "Kan avbrytas när som helst och köras igen med samma resultat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipality", metavar="KOMMUNKOD", help="Kommunkoden, fyra siffror.")
        parser.add_argument("--month", metavar="ÅÅÅÅ-MM", help="Månaden som ansökningarna gäller.")
        parser.add_argument("--due", action="store_true",
                            help="Kör alla kommuner och månader vars inskickade återansökningar snart ska betalas "
                                 "ut (för en systemtimer; se docs/operations.md).")
        parser.add_argument("--wait", type=int, default=3600, metavar="SEKUNDER",
                            help="Hur länge kommandot väntar om en annan körning för kommunen pågår (standard 3600; "
                                 "0 ger upp direkt med slutkod 3).")
        parser.add_argument("--chunk-size", type=int, default=monthly.DEFAULT_CHUNK_SIZE, metavar="N",
                            help=f"Antal ansökningar per transaktion (standard {monthly.DEFAULT_CHUNK_SIZE}).")
        parser.add_argument("--quiet", action="store_true", help="Skriv inte ut förloppet.")

    def handle(self, *args, **options):
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size ska vara minst 1.")
        if options["due"]:
            if options["municipality"] or options["month"]:
                raise CommandError("--due väljer själv kommuner och månader; ange inte --municipality eller --month.")
            runs = [(Municipality.objects.get(pk=pk), month) for pk, month in monthly.due_runs()]
            if not runs:
                self.stdout.write("Ingen månadskörning är aktuell: inga inskickade återansökningar har en "
                                  "utbetalningsdag som närmar sig.")
        else:
            if not options["municipality"] or not options["month"]:
                raise CommandError("Ange --municipality och --month (eller --due).")
            try:
                month = parse_month(options["month"])
            except ValueError as error:
                raise CommandError(str(error)) from None
            municipality = Municipality.objects.filter(code=options["municipality"]).first()
            if municipality is None:
                raise CommandError(f"Det finns ingen kommun med kommunkoden {options['municipality']!r}.")
            runs = [(municipality, month)]
        exit_code = 0
        for index, (municipality, month) in enumerate(runs):
            if index:
                self.stdout.write("")
            exit_code = max(exit_code, self._run(municipality, month, options))
        if exit_code:
            sys.exit(exit_code)

    def _run(self, municipality, month, options) -> int:
        progress = None
        if not options["quiet"]:
            progress = Progress(self.stderr, label=f"Månadskörning {municipality.code} {month:%Y-%m}",
                                every_chunk=options["verbosity"] >= 2)
        deadline = time.monotonic() + max(0, options["wait"])
        told = False
        while True:
            try:
                job = monthly.begin(municipality, month, started_from="due" if options["due"] else "command")
            except monthly.RunInProgress as busy:
                if time.monotonic() >= deadline:
                    self.stderr.write(busy.message)
                    return 3
                if not told:
                    self.stderr.write(busy.message + " Väntar …")
                    told = True
                time.sleep(1)
                continue
            break
        report = monthly.run_month(municipality, month, chunk_size=options["chunk_size"], progress=progress, job=job)
        self.stdout.write(monthly.format_report(report))
        return 1 if report.done.errors else 0
