"""JSON log lines carry the request id and never an unmasked ID number or phone."""

import json
import logging

from porttrust_shared.logs import JsonFormatter, request_id_var
from porttrust_shared.pii import scrub


def test_scrub_masks_id_numbers_and_phones():
    line = scrub("id 11010519491231002X phone 13812345678 port 106901234567")
    assert line == "id 110105********002X phone 138****5678 port 106901234567"


def log_entry(message: str, *args: object, request_id: str) -> dict[str, str]:
    """The JSON line a service writes for `message % args` inside request `request_id`."""
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, args, None)
    token = request_id_var.set(request_id)
    try:
        entry: dict[str, str] = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    return entry


def test_json_line_has_the_request_id_and_masks_personal_data():
    entry = log_entry("looked up %s", "13812345678", request_id="rid-1")
    assert entry["request_id"] == "rid-1"
    assert entry["msg"] == "looked up 138****5678"


def test_log_lines_mask_phones_but_keep_request_ids_whole():
    entry = log_entry("%s rang\n%s", "+86 139 6769 2564", "13812345678",
                      request_id="a13812345678b")
    assert entry["request_id"] == "a13812345678b"
    assert entry["msg"] == "139****2564 rang\n138****5678"


def test_fields_are_masked_line_after_line_and_clean_ones_kept_whole():
    """The access line's fields (method, path, service) are masked like the message, however
    often a value comes back."""
    formatter = JsonFormatter()
    for _ in range(3):
        record = logging.LogRecord("t", logging.INFO, __file__, 1, "access", (), None)
        record.path, record.service = "/v1/phones/13812345678", "registry"
        entry = json.loads(formatter.format(record))
        assert (entry["path"], entry["service"]) == ("/v1/phones/138****5678", "registry")
