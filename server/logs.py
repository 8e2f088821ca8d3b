"""Log lines as JSON objects (``BILLING_REPORTS_LOG_FORMAT=json``), for log shippers.

One object per line: ``time`` (UTC, RFC 3339 with milliseconds), ``level``, ``logger``,
``message``, ``pid``, ``request_id`` (the ``X-Request-ID`` of the HTTP request the line
was written in, else absent) and, for an error with a traceback, ``exception``.
``billing-reports serve`` installs it on uvicorn's handlers and the service's loggers
(``server.cli``); there is still no line per request unless ``BILLING_REPORTS_ACCESS_LOG=1``.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

import orjson

from server.limits import current_request_id


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": os.getpid(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id.get()
        if request_id:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            line["stack"] = record.stack_info
        return orjson.dumps(line, default=str).decode()
