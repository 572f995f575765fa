"""bistand import-bank-status FIL

Reads the bank's answer to the payment files — a status report (ISO 20022 pain.002) or a debit
notification (camt.054) — and marks each payment in it executed or rejected with the bank's reason
(bistand.payments.services.import_bank_status). Reading the same file again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bistand.payments.bankstatus import BankStatusError
from bistand.payments.services import import_bank_status


class Command(BaseCommand):
    help = "Läser in bankens svar på betalfilerna (pain.002 eller camt.054): utbetalt eller avvisat."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FIL", help="Bankens fil (XML).")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Filen {path} kunde inte läsas: {error.strerror}.") from None
        try:
            result = import_bank_status(content)
        except BankStatusError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(result.summary)
        for payment in result.rejected:
            self.stdout.write(f"Avvisad: utbetalning {payment.pk} ({payment.amount_kronor_text}) – {payment.bank_reason}")
        for written in result.unknown:
            self.stdout.write(f"Okänd eller inte skickad: {written}")
