"""The stdio transport: a backend in another process, one JSON line per request and reply.

:class:`StdioBackend` speaks the JSON-lines protocol of ``docs/conformance.md``
to a subprocess; :func:`serve_stdio` is the other end, serving an in-process
backend. Replies are untrusted: each one is size-limited, must arrive within a
timeout, must be one JSON object of the documented shape, and its state is
decoded strictly against the spec's :class:`StateSchema`
(:func:`state_from_itf`); anything else is a typed :class:`BackendError`, never
a raw traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from typing import IO, Any

from aura_conformance.harness.backend import Backend, Reply
from aura_conformance.harness.errors import (
    BackendCrashed,
    BackendError,
    BackendProtocolError,
    BackendTimeout,
)
from aura_conformance.harness.state import (
    StateSchema,
    decode_args,
    encode_args,
    state_from_itf,
    state_to_itf,
)

__all__ = [
    "MAX_REPLY_BYTES",
    "PROTOCOL",
    "StdioBackend",
    "decode_reply",
    "serve_stdio",
]

PROTOCOL = "aura-conformance/1"
MAX_REPLY_BYTES = 1 << 20


_MAX_OUTCOME = 200
_MAX_ERROR_TEXT = 500
_SHOWN_REPLY = 120


class _Malformed(ValueError):
    """Raised inside JSON parsing for what ``json.loads`` would silently accept."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Malformed(f"JSON object repeats the key {key!r:.40}")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _Malformed(f"{name} is not JSON")


def _shown(line: bytes) -> str:
    more = "..." if len(line) > _SHOWN_REPLY else ""
    return f"{line[:_SHOWN_REPLY]!r}{more}"


def decode_reply(
    line: bytes, expect_id: int, schema: StateSchema, *, source: str = "backend"
) -> Reply:
    """Strictly decode one reply line of the stdio protocol (untrusted bytes).

    Every refusal is a :class:`BackendProtocolError` naming ``source`` (the backend)
    and quoting the start of the reply; a well-formed refusal by the backend is a
    :class:`BackendError`. Nothing else escapes, whatever the bytes (fuzz-tested).
    """

    def refuse(message: str) -> BackendProtocolError:
        return BackendProtocolError(f"{message}; reply {_shown(line)}", source=source)

    if len(line) > MAX_REPLY_BYTES:
        raise refuse(f"reply longer than {MAX_REPLY_BYTES} bytes")
    try:
        obj = json.loads(
            line.decode("utf-8"),
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_no_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError covers JSONDecodeError, _Malformed and int() digit limits.
        raise refuse(f"reply is not JSON: {exc}"[:200]) from None
    if not isinstance(obj, dict):
        raise refuse("reply must be a JSON object")
    if "id" not in obj:
        raise refuse(f"reply has no id (expected {expect_id})")
    rid = obj["id"]
    # Exactly an int: json gives 1.0 as a float and Python has 1.0 == 1 == True.
    if type(rid) is not int:
        raise refuse(f"reply id {rid!r:.40} is not an integer (expected {expect_id})")
    if rid != expect_id:
        raise refuse(f"reply id {rid!r:.40}, expected {expect_id}")
    if "error" in obj:
        if set(obj) != {"id", "error"} or not isinstance(obj["error"], str):
            raise refuse("an error reply is {id, error: string}")
        raise BackendError(f"{source} refused the request: {obj['error'][:_MAX_ERROR_TEXT]}")
    if set(obj) != {"id", "state", "outcome"}:
        raise refuse(f"reply keys {sorted(obj)!r:.100} are not id, state, outcome")
    outcome = obj["outcome"]
    if (
        not isinstance(outcome, str)
        or not 0 < len(outcome) <= _MAX_OUTCOME
        or not outcome.isprintable()
    ):
        raise refuse(f"outcome must be a printable string of 1 to {_MAX_OUTCOME} characters")
    try:
        state = state_from_itf(obj["state"], schema, source=source)
    except BackendProtocolError as exc:
        raise refuse(str(exc).removeprefix(f"{source}: ")) from None
    return Reply(state, outcome)


class StdioBackend:
    """A backend in a subprocess, one JSON request per line in, one reply per line out."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        schema: StateSchema,
        timeout: float = 10.0,
        name: str = "",
    ) -> None:
        self.command = list(command)
        self.schema = schema
        self.name = name or " ".join(self.command)
        self.timeout = timeout
        self._next_id = 0
        self._buffer = b""
        self._hung = False
        try:
            self._proc = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise BackendCrashed(f"cannot start backend {self.name!r}: {exc}") from None
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._stdin: IO[bytes] = self._proc.stdin
        self._stdout: IO[bytes] = self._proc.stdout
        os.set_blocking(self._stdout.fileno(), False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._stdout, selectors.EVENT_READ)

    def _read_line(self) -> bytes:
        deadline = time.monotonic() + self.timeout
        while b"\n" not in self._buffer:
            if len(self._buffer) > MAX_REPLY_BYTES:
                raise BackendProtocolError(
                    f"reply longer than {MAX_REPLY_BYTES} bytes", source=self.name
                )
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(left):
                self._hung = True
                raise BackendTimeout(f"{self.name}: no reply within {self.timeout}s")
            chunk = self._stdout.read(65536)
            if chunk is None:
                continue
            if not chunk:
                raise BackendCrashed(f"{self.name}: closed its output (exit {self._proc.poll()})")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply:
        self._next_id += 1
        msg = {"id": self._next_id, "action": action, "now": now, "args": encode_args(args)}
        try:
            self._stdin.write(json.dumps(msg).encode() + b"\n")
            self._stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise BackendCrashed(f"{self.name}: cannot write request: {exc}") from None
        return decode_reply(self._read_line(), self._next_id, self.schema, source=self.name)

    def close(self) -> None:
        self._selector.close()
        with contextlib.suppress(OSError):
            self._stdin.close()
        try:
            # A backend that already missed a deadline gets no second grace period.
            self._proc.wait(timeout=0 if self._hung else 2)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._stdout.close()


def _handle(backend: Backend, line: bytes) -> dict[str, Any]:
    try:
        req = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return {"id": None, "error": f"request is not JSON: {exc}"}
    if not isinstance(req, dict):
        return {"id": None, "error": "request must be a JSON object"}
    rid = req.get("id")
    action, now = req.get("action"), req.get("now", 0)
    if not isinstance(action, str) or isinstance(now, bool) or not isinstance(now, int):
        return {"id": rid, "error": "request needs action (string) and now (integer)"}
    try:
        reply = backend.request(action, decode_args(req.get("args", {}), backend.schema), now)
    except BackendError as exc:
        return {"id": rid, "error": str(exc)}
    return {"id": rid, "state": state_to_itf(reply.state), "outcome": reply.outcome}


def serve_stdio(
    backend: Backend, stdin: IO[bytes] | None = None, stdout: IO[bytes] | None = None
) -> int:
    """Serve the stdio protocol for an in-process ``backend`` until end of input."""
    inp = stdin or sys.stdin.buffer
    out = stdout or sys.stdout.buffer
    for line in inp:
        if not line.strip():
            continue
        out.write(json.dumps(_handle(backend, line)).encode() + b"\n")
        out.flush()
    return 0
