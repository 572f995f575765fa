"""bistand simulate (--municipality KOD | --region [NAMN]) --from ÅÅÅÅ-MM --to ÅÅÅÅ-MM
                    [--riksnorm-change PROCENT] [--set PARAMETER=VÄRDE ...] [--json]

Recalculates every stored calculation input of the period with changed parameters (the batch engine) and
prints households, household-months, total cost before and after, the change, households gaining and
losing (with deciles), by household type and by municipality. Money in whole kronor. The paths for --set
are documented in bistand.rules.whatif (and docs/whatif.md).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from bistand.common.formatting import format_kronor
from bistand.research.selectors import simulate
from bistand.research.simulation import SimulationReport
from bistand.rules.errors import CalculationInputError
from bistand.rules.whatif import SETTING_PATHS, ParameterChange
from bistand.tenancy.commands import add_place_arguments, municipality_of, region_of
from bistand.tenancy.selectors import municipalities_in


class Command(BaseCommand):
    help = "Simulerar en regeländring på de sparade beräkningarna för en period (vad händer om …)."

    def add_arguments(self, parser) -> None:
        add_place_arguments(parser)
        parser.add_argument("--from", dest="month_from", required=True, metavar="ÅÅÅÅ-MM", help="Första månaden.")
        parser.add_argument("--to", dest="month_to", required=True, metavar="ÅÅÅÅ-MM", help="Sista månaden.")
        parser.add_argument("--riksnorm-change", default="0", metavar="PROCENT",
                            help="Ändring av riksnormens alla belopp i procent, till exempel 2,5 eller -3.")
        parser.add_argument("--set", action="append", default=[], metavar="PARAMETER=VÄRDE",
                            help="Ändra en parameter: " + "; ".join(SETTING_PATHS))
        parser.add_argument("--json", action="store_true", help="Skriv ut resultatet som JSON.")

    def handle(self, *args, **options) -> None:
        try:
            change = ParameterChange.build(options["riksnorm_change"], options["set"])
        except CalculationInputError as exc:
            flag = "--riksnorm-change" if exc.field == "riksnorm_change" else "--set"
            raise CommandError(f"{flag}: {exc.message}") from None
        if options["municipality"] is not None:
            municipality = municipality_of(options["municipality"])
            municipalities = [municipality]
            scope = f"{municipality.name} ({municipality.code})"
        else:
            region = region_of(options["region"])
            municipalities = municipalities_in(region)
            scope = region.name
        try:
            report = simulate(municipalities, options["month_from"], options["month_to"], change, scope=scope)
        except CalculationInputError as exc:
            raise CommandError(f"--{exc.field}: {exc.message}") from None
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_text(report))


def render_text(r: SimulationReport) -> str:
    lines = [
        f"Simulering för {r.scope}, {r.period_from} – {r.period_to}",
        "Ändring: " + "; ".join(r.change),
        f"Hushåll: {r.households}",
        f"Hushållsmånader: {r.household_months}",
        f"Kostnad före: {format_kronor(r.cost_before * 100)}",
        f"Kostnad efter: {format_kronor(r.cost_after * 100)}",
        f"Förändring: {format_kronor(r.cost_change * 100)}",
        f"Hushåll som får mer: {r.households_gaining}",
        f"Hushåll som får mindre: {r.households_losing}",
    ]
    if r.gain_deciles:
        lines.append("Ökning per hushåll, decilerna 10–90 %: " + ", ".join(format_kronor(v * 100) for v in r.gain_deciles))
    if r.loss_deciles:
        lines.append("Minskning per hushåll, decilerna 10–90 %: " + ", ".join(format_kronor(v * 100) for v in r.loss_deciles))
    for title, groups in (("Per hushållstyp", r.by_household_type), ("Per kommun", r.by_municipality)):
        lines.append(title + ":")
        for g in groups:
            lines.append(f"  {g.label}: {g.households} hushåll, {g.household_months} hushållsmånader, "
                         f"före {format_kronor(g.cost_before * 100)}, efter {format_kronor(g.cost_after * 100)}, förändring {format_kronor(g.cost_change * 100)}")
    return "\n".join(lines)
