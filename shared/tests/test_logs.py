"""JSON log lines carry the request id and never an unmasked ID number or phone."""

import json
import logging

from porttrust_shared.logs import JsonFormatter, request_id_var
from porttrust_shared.pii import scrub


def test_scrub_masks_id_numbers_and_phones():
    line = scrub("id 11010519491231002X phone 13812345678 port 106901234567")
    assert line == "id 110105********002X phone 138****5678 port 106901234567"


def test_json_line_has_the_request_id_and_masks_personal_data():
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "looked up %s", ("13812345678",),
                               None)
    token = request_id_var.set("rid-1")
    try:
        entry = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert entry["request_id"] == "rid-1"
    assert entry["msg"] == "looked up 138****5678"
