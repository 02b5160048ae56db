"""JSON request serialisation for scrapy-redis (its ``SCHEDULER_SERIALIZER`` setting takes a
module with ``loads`` and ``dumps``), instead of its default pickle: write access to Redis
must not mean code execution on every worker. Bytes (a request's body and headers) travel
as base64 under ``{"__bytes__": ...}``."""

from __future__ import annotations

import base64
import json
from typing import Any

__all__ = ["dumps", "loads"]

_BYTES = "__bytes__"


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {_BYTES: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {
            (k.decode("latin-1") if isinstance(k, bytes) else str(k)): _encode(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and _BYTES in value:
            return base64.b64decode(value[_BYTES])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(obj: Any) -> bytes:
    return json.dumps(_encode(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> Any:
    return _decode(json.loads(data))
