"""Check characters and number formats exactly as BRIEF.md states them."""

import datetime as dt

import pytest

from porttrust_shared.validators import (
    PortClass,
    carries_sms_content,
    check_id_number,
    check_mobile,
    check_port_number,
    check_province,
    check_uscc,
    port_class,
    uscc_check_char,
)


@pytest.mark.parametrize("uscc", ["91350100M000100Y43", "91440300708461136T"])
def test_brief_uscc_vectors_are_valid(uscc):
    result = check_uscc(uscc)
    assert result.value == uscc
    assert not result.needs_review


def test_uscc_is_normalised_to_upper_case():
    assert check_uscc(" 91440300708461136t ").value == "91440300708461136T"


def test_uscc_with_a_changed_check_character_is_flagged_for_review():
    assert check_uscc("91440300708461136U").needs_review


def test_early_pilot_uscc_yields_a_review_flag_not_an_exception():
    result = check_uscc("91350100M0001TGQXM")
    assert result.needs_review
    assert result.status == "review"


@pytest.mark.parametrize("bad", ["", "9144030070846113", "91440300708461136TT",
                                 "91440300708461136I", "91440300708461136O",
                                 "9144030070846113Z6", "91A40300708461136T"])
def test_uscc_of_the_wrong_shape_is_refused(bad):
    with pytest.raises(ValueError):
        check_uscc(bad)


def test_uscc_check_char_maps_31_to_zero():
    # Search the first USCC body whose weighted sum is 0 mod 31: the check character is '0'.
    body = "9144030070846113"
    for c in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if uscc_check_char(body + c) == "0":
            assert check_uscc(body + c + "0").status == "valid"
            return
    pytest.fail("no body with check 0 found")


@pytest.mark.parametrize("number", ["11010519491231002X", "34052419800101001X"])
def test_brief_id_number_vectors_are_valid(number):
    assert check_id_number(number) == number


def test_id_number_lower_case_x_is_normalised():
    assert check_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize("changed", ["110105194912310020", "110105194912310021",
                                     "34052419800101001Y", "340524198001010019"])
def test_id_number_with_a_changed_check_character_fails(changed):
    with pytest.raises(ValueError):
        check_id_number(changed)


def test_id_number_with_a_changed_body_digit_fails():
    with pytest.raises(ValueError, match="check character"):
        check_id_number("11010519491231003X")


@pytest.mark.parametrize("bad", ["110105194913310025", "110105194902300021"])
def test_id_number_without_a_real_birth_date_fails(bad):
    with pytest.raises(ValueError, match="birth date"):
        check_id_number(bad)


def test_id_number_born_in_the_future_fails():
    with pytest.raises(ValueError, match="past date"):
        check_id_number("11010519491231002X", today=dt.date(1949, 12, 31))


@pytest.mark.parametrize("bad", ["", "1101051949123100", "11010519491231002XX",
                                 "A1010519491231002X"])
def test_id_number_of_the_wrong_shape_fails(bad):
    with pytest.raises(ValueError):
        check_id_number(bad)


def test_id_number_errors_never_contain_the_number():
    with pytest.raises(ValueError) as caught:
        check_id_number("110105194912310021")
    assert "1101051949" not in str(caught.value)


@pytest.mark.parametrize(("raw", "clean"), [("13812345678", "13812345678"),
                                            ("+86 138-1234-5678", "13812345678"),
                                            ("008619912345678", "19912345678")])
def test_mobile_is_normalised(raw, clean):
    assert check_mobile(raw) == clean


@pytest.mark.parametrize("bad", ["12812345678", "1381234567", "138123456789", "abc", ""])
def test_mobile_of_the_wrong_shape_fails(bad):
    with pytest.raises(ValueError):
        check_mobile(bad)


@pytest.mark.parametrize("number", ["10690123", "106901234567", "106" + "9" * 18])
def test_port_numbers_in_range_are_valid(number):
    assert check_port_number(number) == number


@pytest.mark.parametrize("bad", ["1069012", "10790123", "1069O123", "106" + "9" * 19,
                                 " ", "+10690123"])
def test_port_numbers_out_of_range_fail(bad):
    with pytest.raises(ValueError):
        check_port_number(bad)


@pytest.mark.parametrize(("number", "cls"), [
    ("10620000", PortClass.COMMERCIAL_PROVINCIAL), ("10660000", PortClass.COMMERCIAL_NATIONAL),
    ("10630000", PortClass.NON_COMMERCIAL), ("10690000", PortClass.NON_COMMERCIAL),
    ("10650000", PortClass.OPERATOR), ("10640000", PortClass.M2M),
    ("10610000", PortClass.OTHER),
])
def test_port_class_follows_the_fourth_digit(number, cls):
    assert port_class(number) is cls


def test_m2m_ports_carry_no_sms_content():
    assert not carries_sms_content("10640000")
    assert carries_sms_content("10690000")


def test_province_codes_are_the_31_provinces():
    assert check_province("44") == "44"
    with pytest.raises(ValueError):
        check_province("99")
