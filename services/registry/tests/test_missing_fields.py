from registry.models import Handler, SubPort
from registry.service.sub_ports import missing_fields
from registry.service.surroundings import Around

SIGNED = Around(service_agreement=True)


def _complete() -> SubPort:
    return SubPort(number="106901234567", user_unit_uscc="91440300708461136T", handler_id="h",
                   business_type="marketing", purpose="促销", machine_room="A3", equipment="E1")


def test_complete_record_with_verified_handler_misses_nothing():
    assert missing_fields(_complete(), Handler(verification_status="verified"), SIGNED) == []


def test_failed_verification_counts_as_unverified():
    assert missing_fields(_complete(), Handler(verification_status="failed"), SIGNED) == [
        "handler_verified"]


def test_blank_text_fields_count_as_missing():
    sub = _complete()
    sub.machine_room = ""
    assert missing_fields(sub, None, SIGNED) == ["handler", "machine_room"]


def test_a_unit_without_a_service_agreement_with_the_holder_is_missing_it():
    handler = Handler(verification_status="verified")
    assert missing_fields(_complete(), handler, Around(service_agreement=False)) == [
        "service_agreement"]


def test_each_field_flagged_wrong_is_missing_as_accurate_field():
    flagged = Around(service_agreement=True, inaccurate=frozenset({"purpose", "equipment"}))
    assert missing_fields(_complete(), Handler(verification_status="verified"), flagged) == [
        "accurate:equipment", "accurate:purpose"]
