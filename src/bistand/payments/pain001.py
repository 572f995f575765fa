"""ISO 20022 pain.001.001.09 (CustomerCreditTransferInitiation): the bank file of a payment export.

Pure Python (no Django, no database): :func:`build_document` turns plain values into the XML bytes, and
the same values always give the same bytes (the creation time is an argument), so a stored file can be
produced again and compared.

Swedish usage, as the Swedish banks' message implementation guides describe it for domestic SEK
payments:

* one ``PmtInf`` per requested execution date, payment method ``TRF``, service level ``NURG``;
* amounts in SEK with two decimals (the system holds öre as integers; no floats anywhere);
* debtor: the municipality, its IBAN and BIC (:class:`Debtor`);
* creditor account as ``IBAN``, or as a Swedish BBAN (clearing number + account number) in
  ``Othr/Id`` with ``SchmeNm/Cd`` ``BBAN`` and the clearing number also in the creditor agent
  (``ClrSysMmbId``, clearing system ``SESBA``);
* ``EndToEndId`` made from the payment id, unstructured remittance information with the decision
  reference.

The tests validate the output against the official, generic ISO 20022 schema of pain.001.001.09 (not
the euro-only SEPA variant).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from .accounts import BankAccount, Iban

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
CURRENCY = "SEK"
CLEARING_SYSTEM = "SESBA"  # Swedish bank clearing (ExternalClearingSystemIdentification1Code)

# Characters that XML 1.0 does not allow, or that are control characters (replaced by a space).
_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class Pain001Error(ValueError):
    """Values that cannot make a valid payment file (message in Swedish)."""


@dataclass(frozen=True)
class Debtor:
    """Who pays: the municipality and its bank account."""

    name: str
    iban: Iban
    bic: str
    initiating_party_id: str = ""  # the id the bank gave the municipality's file agreement (scheme BANK), if any


@dataclass(frozen=True)
class Transfer:
    """One credit transfer (one payment)."""

    end_to_end_id: str
    amount_ore: int
    creditor_name: str
    account: BankAccount | Iban
    remittance: str


@dataclass(frozen=True)
class Batch:
    """The transfers of one execution date (one ``PmtInf``)."""

    payment_information_id: str
    execution_date: dt.date
    transfers: Sequence[Transfer]


def format_amount(ore: int) -> str:
    """Öre as SEK with two decimals: 123456 → "1234.56" (integers only)."""
    if not isinstance(ore, int) or isinstance(ore, bool):
        raise Pain001Error("Beloppet ska anges i hela öre.")
    if ore <= 0:
        raise Pain001Error("Ett belopp i betalfilen måste vara större än noll.")
    return f"{ore // 100}.{ore % 100:02d}"


def clean_text(value: str, limit: int) -> str:
    """Text for a field of at most ``limit`` characters: control characters removed, white space
    collapsed, cut at the limit."""
    text = " ".join(_NOT_TEXT.sub(" ", str(value or "")).split())
    return text[:limit].rstrip()


def _id(value: str, what: str) -> str:
    text = str(value)
    if not 1 <= len(text) <= 35 or not re.fullmatch(r"[A-Za-z0-9/\-?:().,'+ ]+", text):
        raise Pain001Error(f"{what} ska vara 1–35 tecken (bokstäver a–z, siffror och - / ? : ( ) . , ' +): {text!r}.")
    return text


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _account(parent: ET.Element, tag: str, account: BankAccount | Iban, currency: bool = False) -> None:
    element = _sub(parent, tag)
    identification = _sub(element, "Id")
    if isinstance(account, Iban):
        _sub(identification, "IBAN", account.value)
    else:
        other = _sub(identification, "Othr")
        _sub(other, "Id", account.bban)
        _sub(_sub(other, "SchmeNm"), "Cd", "BBAN")
    if currency:
        _sub(element, "Ccy", CURRENCY)


def _creditor_agent(parent: ET.Element, account: BankAccount) -> None:
    institution = _sub(_sub(parent, "CdtrAgt"), "FinInstnId")
    member = _sub(institution, "ClrSysMmbId")
    _sub(_sub(member, "ClrSysId"), "Cd", CLEARING_SYSTEM)
    _sub(member, "MmbId", account.clearing)


def _party(parent: ET.Element, tag: str, name: str, bank_given_id: str = "") -> None:
    party = _sub(parent, tag)
    _sub(party, "Nm", clean_text(name, 140))
    if bank_given_id:
        other = _sub(_sub(_sub(party, "Id"), "OrgId"), "Othr")
        _sub(other, "Id", clean_text(bank_given_id, 35))
        _sub(_sub(other, "SchmeNm"), "Cd", "BANK")


def build_document(
    *,
    message_id: str,
    created_at: dt.datetime,
    debtor: Debtor,
    batches: Iterable[Batch],
) -> bytes:
    """The pain.001.001.09 document as UTF-8 bytes with an XML declaration.

    ``created_at`` is written as local time without fractions of a second. Batches are written in the
    order of their execution dates, transfers in the order given."""
    batches = sorted(batches, key=lambda b: (b.execution_date, b.payment_information_id))
    if not batches or not all(batch.transfers for batch in batches):
        raise Pain001Error("Betalfilen måste innehålla minst en betalning.")
    if not re.fullmatch(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?", debtor.bic):
        raise Pain001Error(f"Kommunens BIC {debtor.bic!r} har fel form (8 eller 11 tecken, till exempel ESSESESS).")
    transfers = [transfer for batch in batches for transfer in batch.transfers]
    end_to_end_ids = [transfer.end_to_end_id for transfer in transfers]
    if len(set(end_to_end_ids)) != len(end_to_end_ids):
        raise Pain001Error("Samma betalning finns två gånger i betalfilen.")

    ET.register_namespace("", NAMESPACE)
    root = ET.Element(f"{{{NAMESPACE}}}Document")
    initiation = _sub(root, "CstmrCdtTrfInitn")

    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", _id(message_id, "Meddelandets id"))
    _sub(header, "CreDtTm", created_at.replace(microsecond=0, tzinfo=None).isoformat())
    _sub(header, "NbOfTxs", str(len(transfers)))
    _sub(header, "CtrlSum", format_amount(sum(t.amount_ore for t in transfers)))
    _party(header, "InitgPty", debtor.name, debtor.initiating_party_id)

    for batch in batches:
        information = _sub(initiation, "PmtInf")
        _sub(information, "PmtInfId", _id(batch.payment_information_id, "Betalningsgruppens id"))
        _sub(information, "PmtMtd", "TRF")
        _sub(information, "NbOfTxs", str(len(batch.transfers)))
        _sub(information, "CtrlSum", format_amount(sum(t.amount_ore for t in batch.transfers)))
        _sub(_sub(_sub(information, "PmtTpInf"), "SvcLvl"), "Cd", "NURG")
        _sub(_sub(information, "ReqdExctnDt"), "Dt", batch.execution_date.isoformat())
        _party(information, "Dbtr", debtor.name)
        _account(information, "DbtrAcct", debtor.iban, currency=True)
        _sub(_sub(_sub(information, "DbtrAgt"), "FinInstnId"), "BICFI", debtor.bic)
        _sub(information, "ChrgBr", "SHAR")
        for transfer in batch.transfers:
            name = clean_text(transfer.creditor_name, 140)
            if not name:
                raise Pain001Error(f"Betalningen {transfer.end_to_end_id} saknar mottagarens namn.")
            item = _sub(information, "CdtTrfTxInf")
            _sub(_sub(item, "PmtId"), "EndToEndId", _id(transfer.end_to_end_id, "Betalningens id"))
            _sub(_sub(item, "Amt"), "InstdAmt", format_amount(transfer.amount_ore), Ccy=CURRENCY)
            if isinstance(transfer.account, BankAccount):
                _creditor_agent(item, transfer.account)
            _sub(_sub(item, "Cdtr"), "Nm", name)
            _account(item, "CdtrAcct", transfer.account)
            remittance = clean_text(transfer.remittance, 140)
            if remittance:
                _sub(_sub(item, "RmtInf"), "Ustrd", remittance)

    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


__all__ = [
    "CURRENCY",
    "NAMESPACE",
    "Batch",
    "Debtor",
    "Pain001Error",
    "Transfer",
    "build_document",
    "clean_text",
    "format_amount",
]
