"""JSON log lines with the request id; personal data is masked before it is written."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from typing import Any

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Anything shaped like an 18-char ID number or an 11-digit mobile is masked in every line,
# whatever code wrote it: the last defence, not the first.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


# Both shapes hold at least 11 digits in a row: a line without such a run (most access log
# lines) is returned as is, without running the two masking patterns over it.
_DIGIT_RUN_RE = re.compile(r"\d{11}")


def scrub(text: str) -> str:
    if _DIGIT_RUN_RE.search(text) is None:
        return text
    text = _ID_RE.sub(r"\1********\2", text)
    return _PHONE_RE.sub(r"\1****\2", text)


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
            "msg": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        for key in ("method", "path", "status", "duration_ms", "service"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return scrub(json.dumps(entry, ensure_ascii=False, default=str))


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
