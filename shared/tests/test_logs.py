"""JSON log lines carry the request id and never an unmasked ID number or phone."""

import json
import logging

from porttrust_shared import logs
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


def access_record(method: str, path: str, status: int, duration: object) -> logging.LogRecord:
    """An access line's record, as porttrust_shared.app makes it."""
    record = logging.LogRecord("porttrust.access", logging.INFO, __file__, 0, "%s %s %s",
                               (method, path, status), None)
    record.__dict__.update(method=method, path=path, status=status, duration_ms=duration,
                           service="registry", access=True)
    return record


def test_access_lines_made_from_kept_pieces_are_the_lines_format_makes():
    """The pieces are kept per route and status, so each line after the first is put together
    from them: byte for byte what the whole line would be, masking included."""
    formatter = JsonFormatter()
    cases = [("POST", "/v1/send-checks", 200, 0.37), ("POST", "/v1/send-checks", 200, 12.0),
             ("GET", "/v1/phones/13812345678", 404, 1e-05), ("POST", "/v1/send-checks", 503,
                                                             3.25),
             ("GET", "/x\ue000y", 200, 1.5), ("GET", "unmatched", 405, float("nan")),
             ("GET", "unmatched", 405, 2)]
    for request_id in ("rid-1", 'odd "id"\n张', "rid-1"):
        token = request_id_var.set(request_id)
        try:
            for method, path, status, duration in cases:
                record = access_record(method, path, status, duration)
                whole = access_record(method, path, status, duration)
                del whole.access
                whole.created = record.created
                line = formatter.format(record)
                assert line == formatter.format(whole)
                entry = json.loads(line)
                assert entry["request_id"] == request_id
                assert "13812345678" not in line
        finally:
            request_id_var.reset(token)
    assert ("INFO", "porttrust.access", "%s %s %s", ("POST", "/v1/send-checks", 200), "POST",
            "/v1/send-checks", 200, "registry") in logs._ACCESS


def test_an_access_line_written_straight_is_the_line_logging_writes(monkeypatch):
    """With configure_logging's one handler, an access line skips the record and logging's
    walk once its pieces are made (the first line of a route and status goes through
    logging, which makes them): the same text either way. Another handler, a filter or a
    disabled logger send it through logging again."""
    import io

    from porttrust_shared.logs import ACCESS_FORMAT, configure_logging, write_access

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("INFO")
        stream = io.StringIO()
        root.handlers[0].setStream(stream)
        access = logging.getLogger("porttrust.access")
        token = request_id_var.set("rid-7")
        try:
            fields = ("POST", "/v1/straight", 200, 0.42, "registry")  # no pieces yet
            record = access_record(*fields[:4])
            assert write_access(access, *fields, created=record.created) is False  # unmade
            access.handle(record)
            through_logging = stream.getvalue()
            assert write_access(access, *fields, created=record.created) is True
            assert stream.getvalue() == through_logging * 2
            assert write_access(access, *fields[:3], float("inf"), "registry") is False
            quiet = logging.Filter("elsewhere")
            access.addFilter(quiet)
            assert write_access(access, *fields) is False
            access.removeFilter(quiet)
            extra = logging.NullHandler()
            root.addHandler(extra)
            assert write_access(access, *fields) is False
            root.removeHandler(extra)
            assert write_access(access, *fields) is True
        finally:
            request_id_var.reset(token)
        assert record.msg == ACCESS_FORMAT
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
