"""What a submit_sm or deliver_sm says, as text: data_coding, UDH, SAR and Jasmin's PDU chains.

Runs inside Jasmin's interceptor daemon, so it reads Jasmin's PDU objects by duck typing and
imports nothing of Jasmin (the unit tests feed it plain stand-ins).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

UDHI = 0x40
# data_coding values by the names smpp.pdu gives them (DataCodingDefault).
DEFAULT_CODINGS = {
    "SMSC_DEFAULT_ALPHABET": 0x00, "IA5_ASCII": 0x01, "OCTET_UNSPECIFIED": 0x02,
    "LATIN_1": 0x03, "OCTET_UNSPECIFIED_COMMON": 0x04, "JIS": 0x05, "CYRILLIC": 0x06,
    "ISO_8859_8": 0x07, "UCS2": 0x08, "PICTOGRAM": 0x09, "ISO_2022_JP": 0x0A,
    "EXTENDED_KANJI_JIS": 0x0D, "KS_C_5601": 0x0E,
}
# GSM 03.38 default alphabet, one septet per byte (SMPP carries it unpacked).
GSM7 = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXT = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~",
            0x3E: "]", 0x40: "|", 0x65: "€"}
CHARSETS = {0x01: "ascii", 0x03: "latin-1", 0x06: "iso8859-5", 0x07: "iso8859-8",
            0x08: "utf-16-be", 0x0A: "iso2022_jp", 0x0E: "euc_kr"}


@dataclass(frozen=True)
class Part:
    """Where a segment sits in a concatenated message (reference, total, 1-based sequence)."""
    reference: int
    total: int
    sequence: int


@dataclass(frozen=True)
class Message:
    text: str
    part: Part | None  # set when this PDU is one segment of a message sent in several PDUs


def coding_value(data_coding: Any) -> int:
    """data_coding as its octet: smpp.pdu's DataCoding object, an int, or None (= 0)."""
    if data_coding is None:
        return 0
    if isinstance(data_coding, int):
        return data_coding
    scheme = getattr(getattr(data_coding, "scheme", None), "name", "DEFAULT")
    data = data_coding.schemeData
    if scheme == "RAW":
        return int(data)
    if scheme == "DEFAULT":
        return DEFAULT_CODINGS.get(getattr(data, "name", ""), 0)
    # GSM message class: bit 2 says 8-bit data, otherwise the default alphabet.
    coding = getattr(getattr(data, "msgCoding", None), "name", "DEFAULT_ALPHABET")
    return 0xF4 if coding == "DATA_8BIT" else 0xF0


def decode_gsm7(raw: bytes) -> str:
    out, escape = [], False
    for byte in raw:
        if escape:
            out.append(GSM7_EXT.get(byte, " "))
            escape = False
        elif byte == 0x1B:
            escape = True
        else:
            out.append(GSM7[byte] if byte < len(GSM7) else "?")
    return "".join(out)


def decode(raw: bytes, coding: int) -> str:
    """Bytes to text by data_coding; 8-bit data that is no text decodes as latin-1."""
    if coding in (0x00, 0xF0):
        return decode_gsm7(raw)
    charset = CHARSETS.get(coding & 0x0F if coding >= 0xF0 else coding, "latin-1")
    return codecs.decode(raw, charset, errors="replace")


def split_udh(raw: bytes) -> tuple[bytes, Part | None]:
    """Strip a user data header; return the payload and its concatenation info, if any."""
    if not raw:
        return raw, None
    length = raw[0]
    header, body = raw[1:1 + length], raw[1 + length:]
    part, i = None, 0
    while i + 1 < len(header):
        iei, size = header[i], header[i + 1]
        value = header[i + 2:i + 2 + size]
        if iei == 0x00 and size == 3:
            part = Part(value[0], value[1], value[2])
        elif iei == 0x08 and size == 4:
            part = Part(int.from_bytes(value[:2], "big"), value[2], value[3])
        i += 2 + size
    return body, part


def _esm_has_udhi(esm_class: Any) -> bool:
    if isinstance(esm_class, int):
        return bool(esm_class & UDHI)
    features = getattr(esm_class, "gsmFeatures", None) or ()
    return any(getattr(f, "name", str(f)) == "UDHI_INDICATOR_SET" for f in features)


def _sar(params: dict[str, Any]) -> Part | None:
    if "sar_total_segments" not in params:
        return None
    return Part(int(params.get("sar_msg_ref_num", 0)), int(params["sar_total_segments"]),
                int(params.get("sar_segment_seqnum", 1)))


def _as_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    return value if isinstance(value, bytes) else str(value).encode("latin-1", "replace")


def segment(params: dict[str, Any]) -> Message:
    """One PDU's text (message_payload preferred when short_message is empty)."""
    raw = _as_bytes(params.get("short_message"))
    if not raw and params.get("message_payload") is not None:
        raw = _as_bytes(params["message_payload"])
    part = _sar(params)
    if _esm_has_udhi(params.get("esm_class")):
        raw, part = split_udh(raw)
    if part is not None and part.total <= 1:
        part = None
    return Message(decode(raw, coding_value(params.get("data_coding"))), part)


def message_of(pdu: Any) -> Message:
    """The whole message: Jasmin links the PDUs of a long message it split itself
    (`nextPdu`, e.g. from its HTTP API): those are joined and checked as one text."""
    first = segment(pdu.params)
    texts, nxt = [first.text], getattr(pdu, "nextPdu", None)
    while nxt is not None:
        texts.append(segment(nxt.params).text)
        nxt = getattr(nxt, "nextPdu", None)
    if len(texts) > 1:
        return Message("".join(texts), None)
    return first


def address(value: Any) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value or "")
