"""What the interceptors read out of Jasmin's PDUs: text by data_coding, UDH, SAR, chains."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from porttrust_jasmin.content import Part, coding_value, decode, message_of, segment, split_udh

Scheme = Enum("Scheme", "RAW DEFAULT GSM_MESSAGE_CLASS")
Default = Enum("Default", "SMSC_DEFAULT_ALPHABET IA5_ASCII LATIN_1 UCS2")
Feature = Enum("Feature", "UDHI_INDICATOR_SET")


@dataclass
class DataCoding:
    scheme: Any
    schemeData: Any


@dataclass
class Esm:
    gsmFeatures: set[Any] = field(default_factory=set)


@dataclass
class Pdu:
    params: dict[str, Any]
    nextPdu: Any = None


def ucs2(text: str) -> bytes:
    return text.encode("utf-16-be")


def test_ucs2_object_coding_decodes_chinese() -> None:
    params = {"short_message": ucs2("【好物商城】回T退订"),
              "data_coding": DataCoding(Scheme.DEFAULT, Default.UCS2)}
    assert segment(params).text == "【好物商城】回T退订"


def test_coding_values_from_ints_objects_and_none() -> None:
    assert coding_value(None) == 0
    assert coding_value(8) == 8
    assert coding_value(DataCoding(Scheme.RAW, 0x08)) == 8
    assert coding_value(DataCoding(Scheme.DEFAULT, Default.LATIN_1)) == 3


def test_gsm7_default_alphabet_with_an_extension_character() -> None:
    # GSM 03.38 puts @ at 0x00 and ¡ at 0x40; ESC e is the euro sign.
    assert decode(b"Price \x1be5 \x00once \x40", 0) == "Price €5 @once ¡"


def test_udh_with_an_8_bit_reference_is_stripped_and_read() -> None:
    body, part = split_udh(b"\x05\x00\x03\x2a\x03\x02" + b"hello")
    assert (body, part) == (b"hello", Part(0x2A, 3, 2))


def test_udh_with_a_16_bit_reference() -> None:
    body, part = split_udh(b"\x06\x08\x04\x01\x02\x02\x01" + b"hi")
    assert (body, part) == (b"hi", Part(0x0102, 2, 1))


def test_a_udhi_segment_is_reported_as_one_part_of_several() -> None:
    params = {"short_message": b"\x05\x00\x03\x07\x02\x01" + ucs2("第一段"),
              "esm_class": Esm({Feature.UDHI_INDICATOR_SET}), "data_coding": 8}
    message = segment(params)
    assert message.text == "第一段"
    assert message.part == Part(7, 2, 1)


def test_sar_tlvs_mark_a_segment_too() -> None:
    params = {"short_message": b"abc", "sar_msg_ref_num": 9, "sar_total_segments": 2,
              "sar_segment_seqnum": 2, "data_coding": 1}
    assert segment(params).part == Part(9, 2, 2)


def test_message_payload_is_read_whole_when_short_message_is_empty() -> None:
    params = {"short_message": b"", "message_payload": ucs2("长" * 200), "data_coding": 8}
    message = segment(params)
    assert message.text == "长" * 200
    assert message.part is None


def test_a_chain_jasmin_split_itself_is_joined_and_checked_as_one_text() -> None:
    udh = b"\x05\x00\x03\x11\x02"
    second = Pdu({"short_message": udh + b"\x02" + ucs2("退订"), "data_coding": 8,
                  "esm_class": Esm({Feature.UDHI_INDICATOR_SET})})
    first = Pdu({"short_message": udh + b"\x01" + ucs2("【好物商城】回T"), "data_coding": 8,
                 "esm_class": Esm({Feature.UDHI_INDICATOR_SET})}, nextPdu=second)
    message = message_of(first)
    assert message.text == "【好物商城】回T退订"
    assert message.part is None
