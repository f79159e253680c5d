"""JSON log lines with the request id; personal data is masked before it is written."""

from __future__ import annotations

import contextvars
import json
import logging
import math
import sys
from typing import Any

from porttrust_shared.pii import scrub

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
# Field values seen to hold nothing to mask (the access line's methods, route templates and
# service name, line after line): passed as they are instead of scanned again. Bounded.
_CLEAN: set[str] = set()
_CLEAN_MAX = 1024
# An access line's pieces between its time, request id and duration (JsonFormatter._access),
# by what they are made of. Bounded: past it (odd methods sent by clients), lines are made
# whole as any other.
_ACCESS: dict[tuple[Any, ...], tuple[str, str, str, str]] = {}
_ACCESS_MAX = 1024
_HOLE = "\ue000"  # a private-use character: where a line's own values go
_string = json.encoder.encode_basestring  # a str as _encode writes it (ensure_ascii=False)


def _scrubbed_field(value: str) -> str:
    if value in _CLEAN:
        return value
    masked = scrub(value)
    if masked == value and len(_CLEAN) < _CLEAN_MAX:
        _CLEAN.add(value)
    return masked


class JsonFormatter(logging.Formatter):
    # One access line per request: the timestamp string is made once per second, not per line.
    # (second, text) as one value, so a thread never pairs one second with another's text.
    _stamp: tuple[int, str] = (-1, "")

    def _ts(self, record: logging.LogRecord) -> str:
        second, text = self._stamp
        if int(record.created) != second:
            text = self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
            self._stamp = (int(record.created), text)
        return text

    def format(self, record: logging.LogRecord) -> str:
        if record.__dict__.get("access") is True and not record.exc_info:
            return self._access(record)
        return _encode(self._entry(record, self._ts(record), request_id_var.get()))

    def _entry(self, record: logging.LogRecord, ts: str, request_id: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "ts": ts,
            "level": record.levelname,
            "logger": record.name,
            "msg": scrub(record.getMessage()),
            "request_id": request_id,
        }
        for key in ("method", "path", "status", "duration_ms", "service"):
            if hasattr(record, key):
                value = getattr(record, key)
                entry[key] = _scrubbed_field(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exc"] = scrub(self.formatException(record.exc_info))
        # Masked before encoding: in JSON a phone after a line break follows "\n", a letter.
        # Anything shaped like an ID number or a mobile is masked in every line, whatever code
        # wrote it: the last defence, not the first.
        return entry

    def _access(self, record: logging.LogRecord) -> str:
        """An access line (porttrust_shared.app, one a request, marked `access`): the line
        `format` writes, from pieces made by it once per level, logger, message, method,
        route, status and service, with the time, request id and duration put in."""
        fields = record.__dict__
        duration = fields.get("duration_ms")
        if type(duration) is not float or not math.isfinite(duration):
            return _encode(self._entry(record, self._ts(record), request_id_var.get()))
        key = (record.levelname, record.name, record.msg, record.args, fields.get("method"),
               fields.get("path"), fields.get("status"), fields.get("service"))
        pieces = _ACCESS.get(key)
        if pieces is None:
            record.duration_ms = _HOLE
            try:
                parts = _encode(self._entry(record, _HOLE, _HOLE)).split(_encode(_HOLE))
            finally:
                record.duration_ms = duration
            if len(parts) != 4:  # a hole in the message itself: made whole
                return _encode(self._entry(record, self._ts(record), request_id_var.get()))
            pieces = (parts[0], parts[1], parts[2], parts[3])
            if len(_ACCESS) < _ACCESS_MAX:
                _ACCESS[key] = pieces
        return (f"{pieces[0]}{_string(self._ts(record))}{pieces[1]}"
                f"{_string(request_id_var.get())}{pieces[2]}{float.__repr__(duration)}"
                f"{pieces[3]}")


def configure_logging(level: str = "INFO") -> None:
    # No line shows the thread, process or process name: don't look them up for every record.
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = name != "uvicorn.access"
