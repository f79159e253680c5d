"""JSON log lines with the request id; personal data is masked before it is written."""

from __future__ import annotations

import contextvars
import json
import logging
import math
import sys
import time
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
        return self._ts_at(record.created)

    def _ts_at(self, created: float) -> str:
        """`formatTime` of a record made at `created`, to the second."""
        second, text = self._stamp
        if int(created) != second:
            text = time.strftime("%Y-%m-%dT%H:%M:%S", self.converter(created))
            self._stamp = (int(created), text)
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
        return self._line(pieces, record.created, duration)

    def _line(self, pieces: tuple[str, str, str, str], created: float, duration: float) -> str:
        return (f"{pieces[0]}{_string(self._ts_at(created))}{pieces[1]}"
                f"{_string(request_id_var.get())}{pieces[2]}{float.__repr__(duration)}"
                f"{pieces[3]}")


ACCESS_FORMAT = "%s %s %s"  # an access line's message: method, route, status


def write_access(logger: logging.Logger, method: str, path: str, status: int,
                 duration_ms: float, service: str, created: float | None = None) -> bool:
    """An INFO access line of `logger` written straight to the one handler it would reach,
    when that is `configure_logging`'s own (a StreamHandler on the root with a JsonFormatter,
    nothing else on the way, no filter) and its line's pieces are made: the same text, without
    a LogRecord or logging's walk (`created`: the time, now by default). False when the line
    must go through logging (`logger.handle`), which then makes its pieces."""
    handler = _sole_json_handler(logger)
    if handler is None or type(duration_ms) is not float or not math.isfinite(duration_ms):
        return False
    pieces = _ACCESS.get(("INFO", logger.name, ACCESS_FORMAT, (method, path, status), method,
                          path, status, service))
    if pieces is None:
        return False
    formatter: JsonFormatter = handler.formatter  # type: ignore[assignment]
    line = formatter._line(pieces, time.time() if created is None else created, duration_ms)
    handler.acquire()
    try:
        handler.stream.write(line + handler.terminator)
        handler.flush()
    except Exception:  # as logging would: its handler reports it, the request goes on
        handler.handleError(logger.makeRecord(logger.name, logging.INFO, __file__, 0,
                                              ACCESS_FORMAT, (method, path, status), None))
    finally:
        handler.release()
    return True


def _sole_json_handler(logger: logging.Logger) -> logging.StreamHandler[Any] | None:
    """The root's one handler when an INFO line of `logger` reaches it and no other, through
    no filter, and it is a StreamHandler writing JSON (`JsonFormatter`)."""
    if logger.disabled or logger.filters or not logger.isEnabledFor(logging.INFO):
        return None
    root, current = logging.getLogger(), logger
    while current is not root:
        if current.handlers or not current.propagate or current.parent is None:
            return None
        current = current.parent
    if len(root.handlers) != 1:
        return None
    handler = root.handlers[0]
    if (type(handler) is not logging.StreamHandler or handler.filters
            or handler.level > logging.INFO or not isinstance(handler.formatter, JsonFormatter)):
        return None
    return handler


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
