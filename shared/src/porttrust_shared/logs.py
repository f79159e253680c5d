"""JSON log lines with the request id; personal data is masked before it is written."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from typing import Any

from porttrust_shared.pii import scrub

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
# Field values seen to hold nothing to mask (the access line's methods, route templates and
# service name, line after line): passed as they are instead of scanned again. Bounded.
_CLEAN: set[str] = set()
_CLEAN_MAX = 1024


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
        entry: dict[str, Any] = {
            "ts": self._ts(record),
            "level": record.levelname,
            "logger": record.name,
            "msg": scrub(record.getMessage()),
            "request_id": request_id_var.get(),
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
        return _encode(entry)


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
