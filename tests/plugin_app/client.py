"""The municipality's own SSBTEK client: the registers know of nothing for anyone."""

from __future__ import annotations

import datetime as dt

from bistand.common.plugins import register
from bistand.registers.ssbtek.base import SsbtekClient, SsbtekResponse


@register("ssbtek", "kommunens-egen")
class MunicipalityClient(SsbtekClient):
    verbose_name = "Kommunens egen registerkoppling (test)"

    def fetch(self, person, period: dt.date) -> SsbtekResponse:
        return SsbtekResponse(period=period, facts=[], source=self.name)
