"""Check digits and number formats exactly as the operator's rules state (BRIEF.md)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
PORT_RE = re.compile(r"^106\d{5,18}$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
MAX_SUB_PORT_LEN = 21  # CMPP Src_Id
# The shapes alone (upper case, no check character checked): for code that checks many keys
# at once, such as credit's bulk blacklist check.
USCC_SHAPE = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}$")
ID_SHAPE = re.compile(r"^\d{17}[\dX]$")


class UsccStatus(StrEnum):
    VALID = "valid"
    REVIEW = "review"  # right shape, check character disagrees: early codes do this


@dataclass(frozen=True)
class UsccCheck:
    value: str
    status: UsccStatus

    @property
    def needs_review(self) -> bool:
        return self.status is UsccStatus.REVIEW


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(raw: str) -> UsccCheck:
    """Normalise and check a USCC. A bad shape raises; a bad check character flags review."""
    value = raw.strip().upper()
    if not USCC_SHAPE.match(value):
        raise ValueError("USCC must be 18 characters from the GB 32100-2015 alphabet")
    ok = uscc_check_char(value[:17]) == value[17]
    return UsccCheck(value, UsccStatus.VALID if ok else UsccStatus.REVIEW)


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def check_id_number(raw: str, *, today: dt.date | None = None) -> str:
    """Normalise and check a resident ID number (GB 11643-1999); raise ValueError if wrong.

    Messages never contain the number itself.
    """
    value = raw.strip().upper()
    if not ID_SHAPE.match(value):
        raise ValueError("ID number must be 17 digits and a check digit or X")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValueError("ID number holds no real birth date") from None
    if born >= (today or dt.date.today()) or born.year < 1900:
        raise ValueError("ID number birth date is not a real past date")
    if id_check_char(value[:17]) != value[17]:
        raise ValueError("ID number check character is wrong")
    return value


def check_mobile(raw: str) -> str:
    value = re.sub(r"[\s-]", "", raw.strip())
    value = value.removeprefix("+86").removeprefix("0086")
    if not MOBILE_RE.match(value):
        raise ValueError("phone must be an 11-digit mainland mobile number")
    return value


class PortClass(StrEnum):
    COMMERCIAL_PROVINCIAL = "commercial_provincial"  # 1062
    COMMERCIAL_NATIONAL = "commercial_national"  # 1066
    NON_COMMERCIAL = "non_commercial"  # 1063, 1069
    OPERATOR = "operator"  # 1065
    M2M = "m2m"  # 1064
    OTHER = "other"


_CLASS_BY_DIGIT = {
    "2": PortClass.COMMERCIAL_PROVINCIAL, "6": PortClass.COMMERCIAL_NATIONAL,
    "3": PortClass.NON_COMMERCIAL, "9": PortClass.NON_COMMERCIAL,
    "5": PortClass.OPERATOR, "4": PortClass.M2M,
}


def check_port_number(raw: str) -> str:
    value = raw.strip()
    if not PORT_RE.match(value):
        raise ValueError("port number must be digits matching ^106\\d{5,18}$")
    if len(value) > MAX_SUB_PORT_LEN:
        raise ValueError("port number longer than 21 digits (CMPP Src_Id)")
    return value


def port_class(number: str) -> PortClass:
    return _CLASS_BY_DIGIT.get(number[3], PortClass.OTHER) if len(number) > 3 else PortClass.OTHER


def carries_sms_content(number: str) -> bool:
    return port_class(number) is not PortClass.M2M


PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁",
    "22": "吉林", "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽",
    "35": "福建", "36": "江西", "37": "山东", "41": "河南", "42": "湖北", "43": "湖南",
    "44": "广东", "45": "广西", "46": "海南", "50": "重庆", "51": "四川", "52": "贵州",
    "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏",
    "65": "新疆",
}


def check_province(raw: str) -> str:
    value = raw.strip().upper()
    if value not in PROVINCES:
        raise ValueError("province must be a GB/T 2260 two-digit code of one of the 31 provinces")
    return value
