"""The place a management command works on: ``--municipality KOD`` or ``--region [NAMN]`` (one of them),
shared by `bistand indicators` and `bistand simulate`."""

from __future__ import annotations

from django.core.management.base import CommandError

from .models import Municipality, Region


def add_place_arguments(parser) -> None:
    """``--municipality KOD`` or ``--region [NAMN]``, exactly one of them."""
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--municipality", metavar="KOD", help="Kommunkoden, till exempel 0680.")
    which.add_argument("--region", nargs="?", const="", metavar="NAMN",
                       help="Regionen (namn eller kod); utan namn den enda regionen i systemet.")


def municipality_of(code: str) -> Municipality:
    """The municipality with kommunkod ``code``, or a CommandError naming --municipality."""
    code = code.strip()
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        raise CommandError(f"--municipality: kommunen {code} finns inte i systemet.")
    return municipality


def region_of(name: str) -> Region:
    """The region by name (any case) or code; an empty name gives the installation's only region. A
    CommandError naming --region otherwise."""
    name = name.strip()
    if not name:
        regions = list(Region.objects.all()[:2])
        if len(regions) != 1:
            raise CommandError("--region: ange regionens namn; systemet har "
                               + ("ingen region." if not regions else "flera regioner."))
        return regions[0]
    region = Region.objects.filter(name__iexact=name).first() or Region.objects.filter(code=name).first()
    if region is None:
        raise CommandError(f"--region: regionen {name} finns inte i systemet.")
    return region
