"""One scrubber for personal numbers inside free text: every common spelling, one pass."""


import pytest

from porttrust_shared.pii import scrub, scrub_data


@pytest.mark.parametrize("written", [
    "13967692564", "+86 139 6769 2564", "+8613967692564", "0086-13967692564",
    "86 13967692564", "8613967692564", "139-6769-2564", "139 6769 2564", "139.6769.2564",
    "(+86) 139-6769-2564", "(0086)13967692564", "(139) 6769 2564",
])
def test_a_mobile_in_any_common_spelling_is_masked(written):
    assert scrub(f"请联系{written}，谢谢") == "请联系139****2564，谢谢"


def test_id_numbers_inside_text_are_masked_18_and_15_characters():
    text = "身份证11010519491231002X和34052419800101001x及旧证110105491231002。"
    assert scrub(text) == ("身份证110105********002X和340524********001X及旧证"
                           "110105*****1002。")


@pytest.mark.parametrize("kept", [
    "request 3f2a13967692564bc0e1d2c3b4a59687",    # hex id with a phone-shaped run
    "550e8400-e29b-41d4-a716-139676925640",        # UUID whose last group holds one
    "ports 106901234567 and 106901234567890123",   # port numbers start with 10
    "USCC 91440300MA5000901X",
    "at 2026-01-02T03:04:05Z, 1,234,567 messages",
])
def test_ids_ports_and_dates_are_left_as_written(kept):
    assert scrub(kept) == kept


def test_scrub_data_masks_every_string_inside_json_like_data():
    data = {"a": ["call 13967692564", 3, None], "b": {"c": "11010519491231002X"}}
    assert scrub_data(data) == {"a": ["call 139****2564", 3, None],
                                "b": {"c": "110105********002X"}}
