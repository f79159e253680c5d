from registry.models import Handler, SubPort
from registry.service.sub_ports import missing_fields


def _complete() -> SubPort:
    return SubPort(number="106901234567", user_unit_uscc="91440300708461136T", handler_id="h",
                   business_type="marketing", purpose="促销", machine_room="A3", equipment="E1")


def test_complete_record_with_verified_handler_misses_nothing():
    assert missing_fields(_complete(), Handler(verification_status="verified")) == []


def test_failed_verification_counts_as_unverified():
    assert missing_fields(_complete(), Handler(verification_status="failed")) == [
        "handler_verified"]


def test_blank_text_fields_count_as_missing():
    sub = _complete()
    sub.machine_room = ""
    assert missing_fields(sub, None) == ["handler", "machine_room"]
