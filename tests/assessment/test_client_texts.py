"""The shipped instrument package's words that the client reads are marked for translation (issue 20): YAML
carries no marks, so bistand.assessment.client_texts lists them; this test keeps the list and the package equal."""

from __future__ import annotations

from bistand.assessment import package
from bistand.assessment.client_texts import CLIENT_TEXTS


def test_every_text_the_client_reads_in_the_shipped_package_is_marked_and_nothing_else():
    instrument = package.parse(package.SFP_PATH.read_text(encoding="utf-8"))["instrument"]
    read_by_client = {instrument["time_window"], instrument["not_relevant"]["client_label"],
                      instrument["not_assessed"]["client_label"], *(level["client_label"] for level in instrument["levels"])}
    for domain in instrument["domains"]:
        read_by_client |= {domain["client_label"], domain["question"], domain["label"],  # a plan's goal keeps "label"
                           *(anchor["client"] for anchor in domain["anchors"])}
    assert set(CLIENT_TEXTS) == read_by_client
