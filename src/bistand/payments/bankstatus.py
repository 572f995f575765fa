"""The bank's answers to a payment file: ISO 20022 pain.002 (CustomerPaymentStatusReport) and camt.054
(BankToCustomerDebitCreditNotification, the debit notification).

Pure Python (no Django, no database): :func:`read` turns the bytes of either message into
:class:`StatusLine` values — which payment (the ``EndToEndId`` we wrote, or a whole file or batch of
ours), executed or rejected, and the bank's reason — and refuses anything else with
:class:`BankStatusError` (message in Swedish). The services apply the lines
(:func:`bistand.payments.services.import_bank_status`).

Read, as the Swedish banks' implementation guides use them:

* **pain.002** (any version, 001.03 to 001.15; the namespace says which): ``TxSts`` of each
  ``TxInfAndSts`` — ``RJCT`` rejected, ``ACSC``/``ACCC`` executed, anything else (``ACCP``, ``ACTC``,
  ``ACSP``, ``PDNG`` …) still on its way and left as it is. ``GrpSts`` or ``PmtInfSts`` ``RJCT`` without
  transaction lines rejects the whole file or batch (``OrgnlMsgId`` / ``OrgnlPmtInfId``).
* **camt.054** (001.02 to 001.14): each booked (``BOOK``) debit entry's transactions
  (``NtryDtls/TxDtls/Refs/EndToEndId``) are executed; a transaction with return information
  (``RtrInf``, a payment the receiving bank sent back) is rejected with the return reason.

Reason codes are ISO's external status/return reason codes; the common ones get a Swedish text.
Parsed with defusedxml (no entities, no external references)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

PAIN002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001."
CAMT054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001."

#: ISO external reason codes most used by Swedish banks, in plain Swedish.
REASONS = {
    "AC01": "Kontonumret är fel",
    "AC03": "Kontonumret är fel",
    "AC04": "Kontot är avslutat",
    "AC06": "Kontot är spärrat",
    "AC13": "Kontot kan inte ta emot betalningen",
    "AG01": "Kontot kan inte ta emot den här sortens betalning",
    "AM04": "Det finns inte pengar på kommunens konto",
    "AM05": "Betalningen finns redan (dubblett)",
    "BE04": "Mottagarens adress saknas",
    "BE05": "Betalaren är okänd för banken",
    "DUPL": "Betalningen finns redan (dubblett)",
    "FF01": "Filen har fel format",
    "MD07": "Kontohavaren har avlidit",
    "MS02": "Mottagaren har inte angett något skäl",
    "MS03": "Banken har inte angett något skäl",
    "NARR": "Se bankens förklaring",
    "RC01": "Bankens id är fel",
    "RR01": "Uppgifter om mottagaren saknas",
}


class Outcome(enum.StrEnum):
    EXECUTED = "executed"
    REJECTED = "rejected"


class BankStatusError(ValueError):
    """The file is not a bank status file that can be read (message in Swedish)."""


@dataclass(frozen=True)
class StatusLine:
    """One answer: a payment (``end_to_end_id``), or every payment of a file of ours (``message_id``) or
    of one of its batches (``payment_information_id``)."""

    outcome: Outcome
    reason: str = ""
    end_to_end_id: str = ""
    message_id: str = ""
    payment_information_id: str = ""


@dataclass(frozen=True)
class StatusReport:
    kind: str  # "pain.002" or "camt.054"
    message_id: str
    lines: tuple[StatusLine, ...]


def reason_text(code: str, additional: str = "") -> str:
    """``AC01 Kontonumret är fel (bank's own words)``; at most 300 characters."""
    code = (code or "").strip()
    parts = [part for part in (code, REASONS.get(code, "")) if part]
    text = " ".join(parts)
    additional = " ".join((additional or "").split())
    if additional:
        text = f"{text} ({additional})" if text else additional
    return (text or "Banken har inte angett något skäl")[:300]


def _local(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _child(element: Element | None, *path: str) -> Element | None:
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c) == name), None)
    return element


def _children(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [c for c in element if _local(c) == name]


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path) if path else element
    return (found.text or "").strip() if found is not None else ""


def _reason(holder: Element) -> str:
    """The first reason (``StsRsnInf`` or ``RtrInf``) of ``holder``: code (or proprietary) and texts."""
    for info in _children(holder, "StsRsnInf") + _children(holder, "RtrInf"):
        code = _text(info, "Rsn", "Cd") or _text(info, "Rsn", "Prtry")
        additional = " ".join(_text(a) for a in _children(info, "AddtlInf"))
        return reason_text(code, additional)
    return reason_text("")


def _pain002(root: Element) -> StatusReport:
    report = _child(root, "CstmrPmtStsRpt")
    if report is None:
        raise BankStatusError("Filen är inte en statusrapport (pain.002): CstmrPmtStsRpt saknas.")
    group = _child(report, "OrgnlGrpInfAndSts")
    original = _text(group, "OrgnlMsgId")
    lines: list[StatusLine] = []
    batches = _children(report, "OrgnlPmtInfAndSts")
    if _text(group, "GrpSts") == "RJCT" and not any(_children(b, "TxInfAndSts") for b in batches):
        lines.append(StatusLine(Outcome.REJECTED, _reason(group), message_id=original))
    for batch in batches:
        transactions = _children(batch, "TxInfAndSts")
        if _text(batch, "PmtInfSts") == "RJCT" and not transactions:
            lines.append(StatusLine(Outcome.REJECTED, _reason(batch), message_id=original,
                                    payment_information_id=_text(batch, "OrgnlPmtInfId")))
        for transaction in transactions:
            status = _text(transaction, "TxSts")
            end_to_end_id = _text(transaction, "OrgnlEndToEndId")
            if not end_to_end_id:
                continue
            if status == "RJCT":
                lines.append(StatusLine(Outcome.REJECTED, _reason(transaction), end_to_end_id=end_to_end_id,
                                        message_id=original))
            elif status in ("ACSC", "ACCC"):
                lines.append(StatusLine(Outcome.EXECUTED, end_to_end_id=end_to_end_id, message_id=original))
    return StatusReport("pain.002", _text(report, "GrpHdr", "MsgId"), tuple(lines))


def _entry_status(entry: Element) -> str:
    status = _child(entry, "Sts")
    return _text(status, "Cd") or _text(status)  # 001.08 on: <Sts><Cd>BOOK</Cd></Sts>


def _camt054(root: Element) -> StatusReport:
    message = _child(root, "BkToCstmrDbtCdtNtfctn")
    if message is None:
        raise BankStatusError("Filen är inte en debiteringsavi (camt.054): BkToCstmrDbtCdtNtfctn saknas.")
    lines: list[StatusLine] = []
    for notification in _children(message, "Ntfctn"):
        for entry in _children(notification, "Ntry"):
            if _entry_status(entry) != "BOOK":
                continue
            debit = _text(entry, "CdtDbtInd") == "DBIT"
            for details in _children(entry, "NtryDtls"):
                for transaction in _children(details, "TxDtls"):
                    end_to_end_id = _text(transaction, "Refs", "EndToEndId")
                    if not end_to_end_id or end_to_end_id == "NOTPROVIDED":
                        continue
                    if _child(transaction, "RtrInf") is not None:
                        lines.append(StatusLine(Outcome.REJECTED, _reason(transaction), end_to_end_id=end_to_end_id))
                    elif debit:
                        lines.append(StatusLine(Outcome.EXECUTED, end_to_end_id=end_to_end_id))
    return StatusReport("camt.054", _text(message, "GrpHdr", "MsgId"), tuple(lines))


def read(content: bytes) -> StatusReport:
    """The status lines of a pain.002 or camt.054 file (raises BankStatusError for anything else)."""
    if not content or not content.strip():
        raise BankStatusError("Filen är tom.")
    try:
        root = SafeET.fromstring(content)
    except DefusedXmlException:
        raise BankStatusError("Filen innehåller XML-konstruktioner som inte tillåts (entiteter eller DTD).") from None
    except SafeET.ParseError as error:
        raise BankStatusError(f"Filen är inte giltig XML ({error}).") from None
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if _local(root) != "Document":
        raise BankStatusError("Filen är inte ett ISO 20022-meddelande (Document saknas).")
    if namespace.startswith(PAIN002):
        return _pain002(root)
    if namespace.startswith(CAMT054):
        return _camt054(root)
    raise BankStatusError(
        f"Filen är av en sort som inte kan läsas in här ({namespace or 'okänd'}). "
        "Läs in bankens statusrapport (pain.002) eller debiteringsavi (camt.054)."
    )


__all__ = ["BankStatusError", "Outcome", "StatusLine", "StatusReport", "read", "reason_text"]
