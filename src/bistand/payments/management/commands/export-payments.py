"""bistand export-payments --municipality KOMMUNKOD --date ÅÅÅÅ-MM-DD --out FIL

Writes the municipality's bank file (ISO 20022 pain.001.001.09) of approved payments for the date.

* Running it again for the same date writes the same file again (byte for byte); a payment is never
  put into a second file.
* No half-written file: the file is written beside the target and moved into place only when complete.
  When anything goes wrong, nothing is exported and no file is written.
* An existing file with other content is not overwritten.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bistand.common.formatting import format_kronor
from bistand.payments.models import PaymentExport
from bistand.payments.selectors import ExportChecksumError, verified_content
from bistand.payments.services import ExportError, export_payments, payments_waiting_for_export
from bistand.tenancy.models import Municipality


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that ``path`` is either the whole new file or untouched."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


class Command(BaseCommand):
    help = "Skapar kommunens betalfil (ISO 20022 pain.001.001.09) med attesterade utbetalningar."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, metavar="KOMMUNKOD", help="Kommunkoden, fyra siffror.")
        parser.add_argument("--date", required=True, metavar="ÅÅÅÅ-MM-DD", help="Exportdagen, till exempel 2026-03-25.")
        parser.add_argument("--out", required=True, metavar="FIL", help="Filen som betalfilen skrivs till.")

    def handle(self, *args, **options):
        try:
            export_date = dt.date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError(f"Datumet ska skrivas ÅÅÅÅ-MM-DD, till exempel 2026-03-25, inte {options['date']!r}.") from None
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"Det finns ingen kommun med kommunkoden {options['municipality']!r}.")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"Mappen {out.parent} finns inte. Skapa den eller välj en annan plats för filen.")
        if out.is_dir():
            raise CommandError(f"{out} är en mapp. Ange ett filnamn, till exempel {out / 'betalfil.xml'}.")

        # Refuse before exporting anything when the target holds something else.
        earlier = PaymentExport.objects.filter(municipality=municipality, export_date=export_date).first()
        if out.exists() and (earlier is None or out.read_bytes() != bytes(earlier.content)):
            raise CommandError(f"Filen {out} finns redan och innehåller något annat. Välj ett annat filnamn.")

        try:
            export = export_payments(municipality, export_date)
        except ExportError as error:
            raise CommandError(error.message) from None
        try:
            content = verified_content(export)  # the stored file must still match its SHA-256
        except ExportChecksumError as error:
            raise CommandError(str(error)) from None
        try:
            write_atomically(out, content)
        except OSError as error:
            raise CommandError(
                f"Filen {out} kunde inte skrivas ({error.strerror}). Exporten är sparad: kör kommandot igen "
                "med samma datum för att skriva samma fil."
            ) from None

        total = format_kronor(export.total_ore)
        if export.created_now:
            self.stdout.write(
                f"Betalfilen {out} är skapad: {export.payment_count} utbetalningar på sammanlagt {total} "
                f"(meddelande {export.message_id})."
            )
        else:
            self.stdout.write(
                f"Betalfilen för {export_date:%Y-%m-%d} fanns redan. Samma fil har skrivits till {out}: "
                f"{export.payment_count} utbetalningar på sammanlagt {total}."
            )
        waiting = payments_waiting_for_export(municipality).count()
        if waiting:
            self.stdout.write(f"{waiting} attesterade utbetalningar väntar på nästa betalfil.")
