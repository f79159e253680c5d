from whitelist.service.text import scrub


def test_mobile_numbers_are_masked():
    assert scrub("call 13812345678 now") == "call 138****5678 now"


def test_id_numbers_are_masked():
    assert scrub("id 34052419800101001x") == "id 340524********001X"


def test_port_numbers_are_left_alone():
    assert scrub("ports 106901234567 and 106901234567890123") == (
        "ports 106901234567 and 106901234567890123")
