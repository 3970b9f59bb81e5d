"""The stdio transport: a backend in another process, one JSON line per request and reply.

:class:`StdioBackend` speaks the JSON-lines protocol of ``docs/backend-protocol.md``
(version :data:`PROTOCOL`) to a subprocess; :func:`serve_stdio` is the other end,
serving an in-process backend. The first exchange is the hello: the harness
names the protocol version and the spec, the backend answers with the actions
it implements. Replies are untrusted: each one is size-limited, must arrive
within a timeout, must be one JSON object of the documented shape, and its state
is decoded strictly against the spec's :class:`StateSchema`
(:func:`state_from_itf`); anything else is a typed :class:`BackendError` that
quotes the request and the end of the backend's stderr, never a raw traceback.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import json
import operator
import os
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from json.scanner import make_scanner
from typing import IO, Any

import attrs
from aura_model import itf

from aura_conformance.harness.backend import Backend, Reply, ReportedEffect
from aura_conformance.harness.errors import (
    ActionUnsupported,
    BackendCrashed,
    BackendError,
    BackendProtocolError,
    BackendTimeout,
    BackendVersionMismatch,
)
from aura_conformance.harness.state import (
    DECODE_MEMO_LIMIT,
    DecodeMemo,
    StateSchema,
    decode_args,
    encode_args,
    state_from_itf,
    state_to_itf,
    value_from_itf,
    value_to_itf,
)

__all__ = [
    "HELLO_ID",
    "MAX_REPLY_BYTES",
    "PROTOCOL",
    "STDERR_KEPT",
    "Capabilities",
    "StdioBackend",
    "decode_answer",
    "decode_hello",
    "decode_reply",
    "protocol_schema",
    "serve_stdio",
]

PROTOCOL = "aura-conformance/2"
MAX_REPLY_BYTES = 1 << 20
# The hello is request 0; the spec's requests count from 1.
HELLO_ID = 0
# The least time the hello's reply is given (seconds): see StdioBackend.startup_timeout.
STARTUP_TIMEOUT = 60.0
# The end of a backend's stderr kept to show with its errors.
STDERR_KEPT = 4096


_MAX_OUTCOME = 200
# More effects than one request of any spec runs is a runaway backend.
_MAX_EFFECTS = 64
_EFFECT_KEYS = frozenset({"kind", "cost", "detail", "by", "message", "bytes"})
_MAX_ERROR_TEXT = 500
_SHOWN_REPLY = 120
_SHOWN_REQUEST = 300
# Time a crashed backend gets to exit and flush its stderr before it is reported.
_EXIT_GRACE = 1.0


def protocol_schema() -> dict[str, Any]:
    """The protocol's JSON Schema (shipped with the package): ``$defs/request`` is
    what the harness writes, ``$defs/reply`` what a backend may answer."""
    path = importlib.resources.files("aura_conformance.harness") / "schema"
    schema = json.loads((path / "backend-protocol.schema.json").read_text("utf-8"))
    assert isinstance(schema, dict)
    return schema


class _Malformed(ValueError):
    """Raised inside JSON parsing for what ``json.loads`` would silently accept."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Malformed(f"JSON object repeats the key {key!r:.40}")
            seen.add(key)
    return out


def _no_constant(name: str) -> Any:
    raise _Malformed(f"{name} is not JSON")


def _shown(line: bytes) -> str:
    more = "..." if len(line) > _SHOWN_REPLY else ""
    return f"{line[:_SHOWN_REPLY]!r}{more}"


def _short_text(value: object, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit and value.isprintable()


def _decode_object(line: bytes, expect_id: int, source: str) -> dict[str, Any]:
    """One reply line as a JSON object carrying exactly the id ``expect_id``."""

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
    return obj


@attrs.frozen
class Capabilities:
    """What a backend declared in its hello: the actions it implements and the
    queries (observations of its world beyond the state) it answers."""

    actions: frozenset[str]
    queries: frozenset[str] = frozenset()
    effects: bool = False


def _names(hello: dict[str, Any], key: str, allowed: Collection[str], spec: str) -> frozenset[str]:
    declared = hello.get(key, [])
    if not isinstance(declared, list) or not all(isinstance(a, str) for a in declared):
        raise ValueError(f"hello {key} must be a list of strings")
    if len(set(declared)) != len(declared):
        raise ValueError(f"hello {key} name an entry twice")
    unknown = sorted(set(declared) - set(allowed))
    if unknown:
        raise ValueError(f"hello declares {key} {spec} does not have: {unknown!r:.200}")
    return frozenset(declared)


def decode_hello(
    line: bytes,
    *,
    spec: str,
    actions: Collection[str],
    queries: Collection[str] = (),
    source: str = "backend",
) -> Capabilities:
    """Strictly decode the backend's answer to the hello: what it implements.

    A backend that answers with an error, with something other than a hello, or
    with another protocol version or spec raises :class:`BackendVersionMismatch`;
    a malformed hello raises :class:`BackendProtocolError`.
    """

    def refuse(message: str) -> BackendProtocolError:
        return BackendProtocolError(f"{message}; reply {_shown(line)}", source=source)

    obj = _decode_object(line, HELLO_ID, source)
    if "hello" not in obj:
        said = f": {str(obj['error'])[:_MAX_ERROR_TEXT]}" if "error" in obj else ""
        raise BackendVersionMismatch(
            f"{source}: did not answer the hello of protocol {PROTOCOL}{said} "
            "(a backend of an older protocol answers the hello with an error; "
            "see docs/backend-protocol.md)"
        )
    if set(obj) != {"id", "hello"} or not isinstance(obj["hello"], dict):
        raise refuse("a hello reply is {id, hello: object}")
    hello = obj["hello"]
    known = {"protocol", "spec", "actions", "queries", "effects", "backend"}
    if not {"protocol", "spec", "actions"} <= set(hello) <= known:
        raise refuse(
            f"hello keys {sorted(hello)!r:.100} are not protocol, spec, actions"
            "[, queries][, effects][, backend]"
        )
    if not _short_text(hello["protocol"], _MAX_OUTCOME):
        raise refuse("hello protocol must be a short printable string")
    if hello["protocol"] != PROTOCOL:
        raise BackendVersionMismatch(
            f"{source}: speaks protocol {hello['protocol']!r}, the harness {PROTOCOL!r}"
        )
    if hello["spec"] != spec:
        raise BackendVersionMismatch(
            f"{source}: serves spec {str(hello['spec'])[:_MAX_OUTCOME]!r}, the harness asked for "
            f"{spec!r}"
        )
    if "backend" in hello and not _short_text(hello["backend"], _MAX_OUTCOME):
        raise refuse("hello backend must be a short printable string")
    try:
        declared = _names(hello, "actions", actions, spec)
        answered = _names(hello, "queries", queries, spec)
    except ValueError as exc:
        raise refuse(str(exc)) from None
    if "Reset" not in declared:
        raise refuse("hello actions must include Reset (every run starts with it)")
    effects = hello.get("effects", False)
    if not isinstance(effects, bool):
        raise refuse("hello effects must be true or false")
    return Capabilities(declared, answered, effects)


# Parses one JSON value at an index (the C scanner json.loads uses) without the
# Python hook that checks for repeated keys: used only to find where a value ends
# and for values whose texts are judged again strictly or are not kept.
_PLAIN_SCAN: Callable[[str, int], tuple[Any, int]] = make_scanner(
    json.JSONDecoder(parse_constant=_no_constant)  # type: ignore[arg-type]
)
_STRICT = json.JSONDecoder(object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
_SPACE = re.compile(r"[ \t\n\r]*")
# A key and its colon, the key without escapes or control characters (so its text is
# its value; a key written otherwise sends the reply down the strict path).
_KEY = re.compile(r'[ \t\n\r]*"([^"\\\x00-\x1f]*)"[ \t\n\r]*:[ \t\n\r]*')
_SEP = re.compile(r"[ \t\n\r]*([,}])")
_EMPTY = re.compile(r"[ \t\n\r]*}")
# Per variable, the JSON text of the value the last reply gave it and that value;
# and under _WHOLE_STATE the text of the last state object taken apart and its value.
RecentTexts = dict[str, tuple[str, Any]]
# No variable's entry: a key with a quote in it is never taken apart (_KEY).
_WHOLE_STATE = '"state"'
# The memo's entries for what follows a reply's state (no variable's either):
# (effects reported, outcome, effects) of the reply that ended so.
_ENDING = '"ending"'


def _remember(memo: DecodeMemo, key: tuple[str, str], value: Any) -> None:
    if len(memo) >= DECODE_MEMO_LIMIT:
        memo.clear()
    memo[key] = value


class _NotPlain(Exception):
    """The text is not what :func:`_object` takes apart: the strict path judges it."""


def _skip(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]


def _object(
    text: str, at: int, value: Callable[[str, int], tuple[Any, int]]
) -> tuple[dict[str, Any], int]:
    """The JSON object starting at ``text[at]``: each member's ``value(key, start)``
    (what it made of the value starting at ``start``, and the index after that value),
    and the index after the object. Raises :class:`_NotPlain` for anything but a
    well-formed object with distinct keys written without escapes."""
    if text[at : at + 1] != "{":
        raise _NotPlain
    out: dict[str, Any] = {}
    empty = _EMPTY.match(text, at + 1)
    if empty is not None:
        return out, empty.end()
    at += 1
    while True:
        member = _KEY.match(text, at)
        if member is None:
            raise _NotPlain
        key = member.group(1)
        if key in out:
            raise _NotPlain
        out[key], at = value(key, member.end())
        sep = _SEP.match(text, at)
        if sep is None:
            raise _NotPlain
        if sep.group(1) == "}":
            return out, sep.end()
        at = sep.end()


def _plain_reply(  # noqa: PLR0917 (one private caller)
    line: bytes,
    expect_id: int,
    schema: StateSchema,
    effects: bool,
    memo: DecodeMemo,
    recent: RecentTexts,
) -> Reply | None:
    """The state reply ``line``, decoded without parsing again what earlier replies
    already decoded; None for anything else (an error or unsupported reply, anything
    malformed), which :func:`decode_reply`'s strict path then judges.

    The same verdicts as the strict path, for less work. Each variable's JSON text,
    as the backend wrote it, is first matched against the text the last reply gave
    it (``recent``: most variables are unchanged by a step), then looked up in
    ``memo``; only a text not seen before is parsed strictly (repeated keys, NaN)
    and decoded. A text seen before was decoded strictly then, and the same text is
    the same value. A complete JSON value at the start of what follows a key is that
    key's whole value (JSON's grammar leaves no choice), and what follows it must
    still be a separator.
    """
    text = ""
    # Where the state object starts and ends in ``text`` (-1: not read).
    span = [-1, -1]

    def variable(name: str, start: int) -> tuple[Any, int]:
        seen = recent.get(name)
        if seen is not None and text.startswith(seen[0], start):
            return seen[1], start + len(seen[0])
        _, end = _PLAIN_SCAN(text, start)
        raw = text[start:end]
        known = memo.get((name, raw), memo)
        if known is memo:
            where = f"$.{name}"
            decoded = itf.decode_value(_STRICT.decode(raw), where=where)
            known = value_from_itf(decoded, schema.model_values, where)
            _remember(memo, (name, raw), known)
        recent[name] = (raw, known)
        return known, end

    def state_at(start: int) -> tuple[dict[str, Any], int]:
        # Most steps change nothing the state shows (a tick, a deny): the whole
        # state's text is the last one's, and so is its value.
        seen = recent.get(_WHOLE_STATE)
        if seen is not None and text.startswith(seen[0], start):
            span[:] = start, start + len(seen[0])
            return seen[1], span[1]
        state, end = _object(text, start, variable)
        recent[_WHOLE_STATE] = (text[start:end], state)
        span[:] = start, end
        return state, end

    def member(key: str, start: int) -> tuple[Any, int]:
        if key == "state":
            return state_at(start)
        value, end = _PLAIN_SCAN(text, start)
        # Effects (objects the memo does not hold) are parsed again strictly.
        return (_STRICT.decode(text[start:end]) if key == "effects" else value), end

    def ordered(state: dict[str, Any]) -> dict[str, Any] | None:
        if len(state) != len(schema.variables):
            return None
        return {name: state[name] for name in schema.variables}

    try:
        text = line.decode("utf-8")
        # The reply as the backend wrote the last ones: this id, then the state, then
        # a rest (outcome, effects, the closing brace) that an accepted reply ended
        # with after its state. That rest means what it meant there (a member list
        # after a complete value is read the same wherever it follows one).
        head = f'{{"id": {expect_id}, "state": '
        if text.startswith(head):
            state, end = state_at(len(head))
            ending = memo.get((_ENDING, text[end:]))
            if ending is not None and ending[0] == effects:
                values = ordered(state)
                return None if values is None else Reply(values, ending[1], ending[2])
        fields, end = _object(text, _skip(text, 0), member)
        if _skip(text, end) != len(text):
            return None
        expected = ("id", "state", "outcome", "effects") if effects else ("id", "state", "outcome")
        if len(fields) != len(expected) or not all(k in fields for k in expected):
            return None
        rid, outcome, state = fields["id"], fields["outcome"], fields["state"]
        if type(rid) is not int or rid != expect_id or not _short_text(outcome, _MAX_OUTCOME):
            return None
        values = ordered(state)
        if values is None:
            return None
        reported = _decode_effects(fields["effects"], schema) if effects else None
        if span[0] == len(head) and text.startswith(head):
            _remember(memo, (_ENDING, text[span[1] :]), (effects, outcome, reported))
        return Reply(values, outcome, reported)
    except (
        _NotPlain,
        KeyError,
        UnicodeDecodeError,
        ValueError,
        StopIteration,
        RecursionError,
        itf.ItfError,
        BackendProtocolError,
    ):
        return None


def decode_reply(
    line: bytes,
    expect_id: int,
    schema: StateSchema,
    *,
    source: str = "backend",
    action: str = "?",
    effects: bool = False,
    memo: DecodeMemo | None = None,
    recent: RecentTexts | None = None,
) -> Reply:
    """Strictly decode one reply line of the stdio protocol (untrusted bytes).

    Every refusal is a :class:`BackendProtocolError` naming ``source`` (the backend)
    and quoting the start of the reply; a well-formed refusal by the backend is a
    :class:`BackendError`, and its ``unsupported`` reply :class:`ActionUnsupported`
    (for ``action``). With ``effects`` (the backend declared it reports them) a
    state reply must carry its ``effects``. Nothing else escapes, whatever the
    bytes (fuzz-tested). ``memo`` is :func:`state_from_itf`'s, kept across replies,
    as is ``recent`` (each variable's last text), which the caller may give with it.
    """
    if memo is not None and len(line) <= MAX_REPLY_BYTES:
        recent = {} if recent is None else recent
        fast = _plain_reply(line, expect_id, schema, effects, memo, recent)
        if fast is not None:
            return fast

    def refuse(message: str) -> BackendProtocolError:
        return BackendProtocolError(f"{message}; reply {_shown(line)}", source=source)

    obj = _decode_object(line, expect_id, source)
    if "error" in obj:
        if set(obj) != {"id", "error"} or not isinstance(obj["error"], str):
            raise refuse("an error reply is {id, error: string}")
        raise BackendError(f"{source} refused the request: {obj['error'][:_MAX_ERROR_TEXT]}")
    if "unsupported" in obj:
        if set(obj) != {"id", "unsupported"} or not isinstance(obj["unsupported"], str):
            raise refuse("an unsupported reply is {id, unsupported: string}")
        raise ActionUnsupported(action, obj["unsupported"][:_MAX_ERROR_TEXT])
    expected = {"id", "state", "outcome", "effects"} if effects else {"id", "state", "outcome"}
    if set(obj) != expected:
        raise refuse(f"reply keys {sorted(obj)!r:.100} are not {', '.join(sorted(expected))}")
    if not _short_text(obj["outcome"], _MAX_OUTCOME):
        raise refuse(f"outcome must be a printable string of 1 to {_MAX_OUTCOME} characters")
    try:
        state = state_from_itf(obj["state"], schema, source=source, memo=memo)
    except BackendProtocolError as exc:
        raise refuse(str(exc).removeprefix(f"{source}: ")) from None
    if not effects:
        return Reply(state, obj["outcome"])
    try:
        return Reply(state, obj["outcome"], _decode_effects(obj["effects"], schema))
    except ValueError as exc:
        raise refuse(str(exc)) from None


def _decode_effects(raw: object, schema: StateSchema) -> tuple[ReportedEffect, ...]:
    if not isinstance(raw, list) or len(raw) > _MAX_EFFECTS:
        raise ValueError(f"effects must be a list of at most {_MAX_EFFECTS} effects")
    return tuple(_decode_effect(i, e, schema) for i, e in enumerate(raw))


def _decode_effect(i: int, e: object, schema: StateSchema) -> ReportedEffect:
    if not isinstance(e, dict) or "kind" not in e or not set(e) <= _EFFECT_KEYS:
        raise ValueError(
            f"effects[{i}] must be {{kind[, cost][, detail][, by][, message][, bytes]}}"
        )
    if not _short_text(e["kind"], _MAX_OUTCOME):
        raise ValueError(f"effects[{i}].kind must be a short printable string")
    cost = e.get("cost", {"#bigint": "0"})
    if not isinstance(cost, dict) or set(cost) != {"#bigint"}:
        raise ValueError(f"effects[{i}].cost must be an ITF #bigint")
    try:
        value = itf.decode_value(cost, where=f"$.effects[{i}].cost")
    except (itf.ItfError, ValueError):
        raise ValueError(f"effects[{i}].cost must be an ITF #bigint") from None
    detail = e.get("detail", "")
    if not isinstance(detail, str) or len(detail) > _MAX_OUTCOME or not detail.isprintable():
        raise ValueError(f"effects[{i}].detail must be a short printable string")
    by = e.get("by", "")
    if by != "" and (not isinstance(by, str) or by not in schema.model_values):
        raise ValueError(f"effects[{i}].by must name one of {sorted(schema.model_values)}")
    message = None
    if "message" in e:
        where = f"$.effects[{i}].message"
        try:
            message = value_from_itf(
                itf.decode_value(e["message"], where=where), schema.model_values, where
            )
        except (itf.ItfError, BackendProtocolError, RecursionError) as exc:
            raise ValueError(f"effects[{i}].message is not an ITF value: {exc}"[:200]) from None
    data = b""
    if "bytes" in e:
        text = e["bytes"]
        if not isinstance(text, str) or len(text) % 2 or text.lower() != text:
            raise ValueError(f"effects[{i}].bytes must be lowercase hex")
        try:
            data = bytes.fromhex(text)
        except ValueError:
            raise ValueError(f"effects[{i}].bytes must be lowercase hex") from None
    return ReportedEffect(e["kind"], value, detail, by, message, data)


def decode_answer(
    line: bytes,
    expect_id: int,
    schema: StateSchema,
    *,
    source: str = "backend",
    query: str = "?",
) -> Any:
    """Strictly decode the reply to a query: its ``answer``, an ITF value, as a
    checker value (the names of ``schema``'s model values become model values)."""

    def refuse(message: str) -> BackendProtocolError:
        return BackendProtocolError(f"{message}; reply {_shown(line)}", source=source)

    obj = _decode_object(line, expect_id, source)
    if "error" in obj or "unsupported" in obj:
        key = "error" if "error" in obj else "unsupported"
        if set(obj) != {"id", key} or not isinstance(obj[key], str):
            raise refuse(f"an {key} reply is {{id, {key}: string}}")
        if key == "unsupported":
            raise ActionUnsupported(query, obj[key][:_MAX_ERROR_TEXT])
        raise BackendError(f"{source} refused the query: {obj[key][:_MAX_ERROR_TEXT]}")
    if set(obj) != {"id", "answer"}:
        raise refuse(f"reply keys {sorted(obj)!r:.100} are not id, answer")
    try:
        value = itf.decode_value(obj["answer"], where="$.answer")
    except itf.ItfError as exc:
        raise refuse(str(exc)) from None
    except RecursionError:
        raise refuse("$.answer: nested too deeply") from None
    try:
        return value_from_itf(value, schema.model_values, "$.answer")
    except BackendProtocolError as exc:
        raise refuse(str(exc).removeprefix("backend: ")) from None


class _StderrTail:
    """The last :data:`STDERR_KEPT` bytes a process wrote to stderr.

    A thread drains the pipe, so a chatty backend never blocks on a full pipe
    while the harness waits for its reply.
    """

    def __init__(self, pipe: IO[bytes]) -> None:
        self._pipe = pipe
        self._kept = bytearray()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            fd = self._pipe.fileno()
            for chunk in iter(lambda: os.read(fd, 65536), b""):
                with self._lock:
                    self._kept += chunk
                    del self._kept[:-STDERR_KEPT]

    def text(self) -> str:
        with self._lock:
            return self._kept.decode("utf-8", "replace")

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


class StdioBackend:
    """A backend in a subprocess, one JSON request per line in, one reply per line out.

    Starting it sends the hello for ``spec``; ``actions`` are the requests the
    harness may send for that spec. :attr:`supported` holds what the backend
    declared, and :attr:`skipped` each action it did not support (never sent
    again, reported by the caller) with the reason.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        schema: StateSchema,
        spec: str,
        actions: Collection[str],
        queries: Collection[str] = (),
        timeout: float = 10.0,
        startup_timeout: float | None = None,
        name: str = "",
        transcript: list[tuple[str, bytes]] | None = None,
    ) -> None:
        self.command = list(command)
        # Every line exchanged, as ("request" | "reply", bytes), when asked for.
        self.transcript = transcript
        self.schema = schema
        self.spec = spec
        self.name = name or " ".join(self.command)
        self.timeout = timeout
        # The hello's reply waits for the backend's start-up too (an interpreter
        # importing its libraries, a JIT warming up), which on a loaded machine takes
        # seconds of wall time for a fraction of a second of CPU: it gets at least
        # STARTUP_TIMEOUT, so a loaded machine is not reported as a hung backend.
        self.startup_timeout = (
            max(timeout, STARTUP_TIMEOUT) if startup_timeout is None else startup_timeout
        )
        self.skipped: dict[str, str] = {}
        self._decoded: DecodeMemo = {}
        self._recent: RecentTexts = {}
        self._next_id = HELLO_ID
        self._buffer = b""
        self._hung = False
        try:
            self._proc = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            raise BackendCrashed(f"cannot start backend {self.name!r}: {exc}") from None
        assert self._proc.stdin is not None and self._proc.stdout is not None
        assert self._proc.stderr is not None
        self._stdin: IO[bytes] = self._proc.stdin
        self._stdout: IO[bytes] = self._proc.stdout
        self._stderr = _StderrTail(self._proc.stderr)
        # Requests are written and replies read with one system call each, on the
        # descriptors (a buffered file object adds calls and copies to every step).
        self._in_fd = self._stdin.fileno()
        self._out_fd = self._stdout.fileno()
        os.set_blocking(self._out_fd, False)
        self._poll = select.poll()
        self._poll.register(self._out_fd, select.POLLIN)
        hello = {
            "protocol": PROTOCOL,
            "spec": spec,
            "actions": list(actions),
            "queries": list(queries),
            "timeout_ms": max(1, round(timeout * 1000)),
        }
        try:
            line = self._exchange({"id": HELLO_ID, "hello": hello}, self.startup_timeout)
            declared = decode_hello(
                line, spec=spec, actions=actions, queries=queries, source=self.name
            )
            self.supported = declared.actions
            self.answers = declared.queries
            self.reports_effects = declared.effects
        except BackendError as exc:
            self._annotate(exc, {"id": HELLO_ID, "hello": hello})
            self.close()
            raise

    def _read_line(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            if len(self._buffer) > MAX_REPLY_BYTES:
                raise BackendProtocolError(
                    f"reply longer than {MAX_REPLY_BYTES} bytes", source=self.name
                )
            left = deadline - time.monotonic()
            # poll takes whole milliseconds: rounded up, so the deadline is never cut short.
            if left <= 0 or not self._poll.poll(-(-left * 1000 // 1)):
                self._hung = True
                raise BackendTimeout(f"{self.name}: no reply within {timeout}s")
            try:
                chunk = os.read(self._out_fd, 65536)
            except BlockingIOError:
                continue
            if not chunk:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._proc.wait(_EXIT_GRACE)
                raise BackendCrashed(f"{self.name}: closed its output (exit {self._proc.poll()})")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _exchange(self, msg: Mapping[str, Any], timeout: float | None = None) -> bytes:
        line = json.dumps(msg).encode()
        if self.transcript is not None:
            self.transcript.append(("request", line))
        try:
            data = memoryview(line + b"\n")
            while data:
                data = data[os.write(self._in_fd, data) :]
        except (BrokenPipeError, OSError) as exc:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(_EXIT_GRACE)
            raise BackendCrashed(
                f"{self.name}: cannot write request: {exc} (exit {self._proc.poll()})"
            ) from None
        reply = self._read_line(self.timeout if timeout is None else timeout)
        if self.transcript is not None:
            self.transcript.append(("reply", reply))
        return reply

    def _annotate(self, exc: BackendError, msg: Mapping[str, Any]) -> None:
        text = json.dumps(msg)
        exc.request = text if len(text) <= _SHOWN_REQUEST else text[:_SHOWN_REQUEST] + "..."
        if isinstance(exc, BackendCrashed):
            self._stderr.join(_EXIT_GRACE)
        exc.stderr = self._stderr.text()

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply:
        if action not in self.supported:
            reason = self.skipped.setdefault(action, "not declared in the hello")
            raise ActionUnsupported(action, reason)
        self._next_id += 1
        msg = {"id": self._next_id, "action": action, "now": now, "args": encode_args(args)}
        try:
            line = self._exchange(msg)
            return decode_reply(
                line,
                self._next_id,
                self.schema,
                source=self.name,
                action=action,
                effects=self.reports_effects,
                memo=self._decoded,
                recent=self._recent,
            )
        except ActionUnsupported as exc:
            if action != "Reset":
                self.skipped.setdefault(action, exc.reason)
                self.supported = self.supported - {action}
                raise
            error: BackendError = BackendProtocolError(
                "Reset answered unsupported (every run starts with it)", source=self.name
            )
        except BackendError as exc:
            error = exc
        self._annotate(error, msg)
        raise error

    def query(self, name: str, args: Mapping[str, Any] | None = None) -> Any:
        """Ask the backend for an observation ``name`` of its world (a checker value).

        Raises :class:`ActionUnsupported` (and keeps the skip) when the backend
        did not declare the query or answers it ``unsupported``.
        """
        if name not in self.answers:
            raise ActionUnsupported(name, self.skipped.setdefault(name, "query not declared"))
        self._next_id += 1
        msg = {"id": self._next_id, "query": name, "args": encode_args(args or {})}
        try:
            line = self._exchange(msg)
            return decode_answer(line, self._next_id, self.schema, source=self.name, query=name)
        except ActionUnsupported as exc:
            self.skipped.setdefault(name, exc.reason)
            self.answers = self.answers - {name}
            raise
        except BackendError as exc:
            self._annotate(exc, msg)
            raise

    def stderr_text(self) -> str:
        """The end of what the backend wrote to stderr so far."""
        return self._stderr.text()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._stdin.close()
        try:
            # A backend that already missed a deadline gets no second grace period.
            self._proc.wait(timeout=0 if self._hung else 2)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._stderr.join(_EXIT_GRACE)
        self._stdout.close()
        with contextlib.suppress(OSError):
            assert self._proc.stderr is not None
            self._proc.stderr.close()


class _Server:
    """The serving end's state: the hello must come first, then the spec's requests."""

    def __init__(
        self,
        backend: Backend,
        spec: str,
        actions: Collection[str],
        queries: Mapping[str, Callable[[], Any]],
    ) -> None:
        self.backend = backend
        self.spec = spec
        self.actions = list(actions)
        self.queries = dict(queries)
        # An in-process world that logs its effects reports them in every reply.
        self.effects = bool(getattr(backend, "reports_effects", False))
        self.greeted = False
        # Per variable: the value the last reply held and its ``"name": text``.
        self._texts: dict[str, tuple[Any, str]] = {}
        # The last state's names and values, and its whole text (most steps change
        # nothing a state shows).
        self._last: tuple[tuple[Any, ...], str] = ((), "")
        # Decoded arguments by their JSON text, and the JSON texts of outcomes and of
        # effect lists (a request's are mostly ones seen before).
        self._args: dict[str, dict[str, Any]] = {}
        self._outcomes: dict[str, str] = {}
        self._effects: dict[tuple[Any, ...], str] = {}

    def hello(self, rid: object, hello: object) -> dict[str, Any]:
        if not isinstance(hello, dict):
            return {"id": rid, "error": "hello must be a JSON object"}
        if hello.get("protocol") != PROTOCOL:
            return {
                "id": rid,
                "error": f"this backend speaks {PROTOCOL}, not {str(hello.get('protocol'))[:80]}",
            }
        if hello.get("spec") != self.spec:
            return {
                "id": rid,
                "error": f"this backend serves {self.spec}, not {str(hello.get('spec'))[:80]}",
            }
        self.greeted = True
        reply: dict[str, Any] = {"protocol": PROTOCOL, "spec": self.spec, "actions": self.actions}
        if self.queries:
            reply["queries"] = list(self.queries)
        if self.effects:
            reply["effects"] = True
        return {"id": rid, "hello": {**reply, "backend": self.backend.name[:_MAX_OUTCOME]}}

    def query(self, rid: object, name: object) -> dict[str, Any]:
        answer = self.queries.get(name) if isinstance(name, str) else None
        if answer is None:
            return {"id": rid, "unsupported": f"no query {str(name)[:80]} here"}
        return {"id": rid, "answer": itf.encode_value(value_to_itf(answer()), where="$.answer")}

    def handle(self, line: bytes) -> dict[str, Any]:
        try:
            req = json.loads(line)
        except (ValueError, RecursionError) as exc:
            return {"id": None, "error": f"request is not JSON: {exc}"}
        if not isinstance(req, dict):
            return {"id": None, "error": "request must be a JSON object"}
        rid = req.get("id")
        if "hello" in req:
            return self.hello(rid, req["hello"])
        if not self.greeted:
            return {"id": rid, "error": f"the first request must be the hello of {PROTOCOL}"}
        if "query" in req:
            return self.query(rid, req["query"])
        action, now = req.get("action"), req.get("now", 0)
        if not isinstance(action, str) or isinstance(now, bool) or not isinstance(now, int):
            return {"id": rid, "error": "request needs action (string) and now (integer)"}
        if action not in self.actions:
            return {"id": rid, "unsupported": f"{action} is not implemented here"}
        try:
            args = self.args(req.get("args", {}))
            reply = self.backend.request(action, args, now)
        except ActionUnsupported as exc:
            return {"id": rid, "unsupported": exc.reason}
        except BackendError as exc:
            return {"id": rid, "error": str(exc)}
        out: dict[str, Any] = {
            "id": rid,
            "state": _StateJson(reply.state),
            "outcome": _Text(self.outcome_text(reply.outcome)),
        }
        if self.effects:
            out["effects"] = _Text(self.effects_text(reply.effects or ()))
        return out

    def args(self, obj: object) -> dict[str, Any]:
        """:func:`decode_args` of ``obj``, each JSON text decoded once (a copy each time)."""
        if not isinstance(obj, dict):
            return decode_args(obj, self.backend.schema)
        key = json.dumps(obj)
        known = self._args.get(key)
        if known is None:
            known = decode_args(obj, self.backend.schema)
            if len(self._args) >= DECODE_MEMO_LIMIT:
                self._args.clear()
            self._args[key] = known
        return dict(known)

    def outcome_text(self, outcome: str) -> str:
        text = self._outcomes.get(outcome)
        if text is None:
            text = self._outcomes[outcome] = json.dumps(outcome)
        return text

    def effects_text(self, effects: Sequence[ReportedEffect]) -> str:
        """``json.dumps`` of the effects' objects; a list of effects without messages
        (which compare by identity here) written once per run."""
        if any(e.message is not None for e in effects):
            return json.dumps([_effect_json(e) for e in effects])
        key = tuple((e.kind, e.cost, e.detail, e.by, e.data) for e in effects)
        text = self._effects.get(key)
        if text is None:
            if len(self._effects) >= DECODE_MEMO_LIMIT:
                self._effects.clear()
            text = self._effects[key] = json.dumps([_effect_json(e) for e in effects])
        return text

    def answer(self, line: bytes) -> str:
        """The reply to ``line``: ``json.dumps`` of the reply with its state as
        :func:`state_to_itf`'s objects, the same text (each variable's written once
        per value: see :meth:`state_text`)."""
        reply = self.handle(line)
        state = reply.get("state")
        if not isinstance(state, _StateJson):
            return json.dumps(reply)
        rid = reply["id"]
        # json.dumps of an int (not a bool) is its digits.
        parts = [f'"id": {rid}' if type(rid) is int else f'"id": {json.dumps(rid)}']
        parts.extend(
            f'"{k}": {self.state_text(v.state) if v is state else v.text}'
            for k, v in reply.items()
            if k != "id"
        )
        return "{" + ", ".join(parts) + "}"

    def state_text(self, state: Mapping[str, Any]) -> str:
        """``json.dumps(state_to_itf(state))``, the same text. A variable holding the
        very object it held in the last reply (a projection hands out one object per
        value) is written as it was then; most variables are unchanged by a step."""
        values = (*state, *state.values())
        last, text = self._last
        if len(values) == len(last) and all(map(operator.is_, values, last)):
            return text
        parts = []
        for name, value in state.items():
            kept = self._texts.get(name)
            if kept is None or kept[0] is not value:
                text = json.dumps(state_to_itf({name: value})[name])
                # The value is held with its text, so its id is not reused while kept.
                kept = self._texts[name] = (value, f"{json.dumps(name)}: {text}")
            parts.append(kept[1])
        text = "{" + ", ".join(parts) + "}"
        # The values are held with the text, so no id of theirs is reused while kept.
        self._last = (values, text)
        return text


@attrs.frozen
class _StateJson:
    """A reply's state as :meth:`_Server.handle` leaves it, for :meth:`_Server.answer`
    to write as its ITF object."""

    state: Mapping[str, Any]


@attrs.frozen
class _Text:
    """A member of a state reply already written as JSON (``text``)."""

    text: str


def _effect_json(effect: ReportedEffect) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": effect.kind}
    if effect.cost:
        out["cost"] = {"#bigint": str(effect.cost)}
    if effect.detail:
        out["detail"] = effect.detail
    if effect.by:
        out["by"] = effect.by
    if effect.message is not None:
        out["message"] = itf.encode_value(value_to_itf(effect.message), where="$.message")
    if effect.data:
        out["bytes"] = effect.data.hex()
    return out


def serve_stdio(
    backend: Backend,
    *,
    spec: str,
    actions: Collection[str],
    queries: Mapping[str, Callable[[], Any]] | None = None,
    stdin: IO[bytes] | None = None,
    stdout: IO[bytes] | None = None,
) -> int:
    """Serve the stdio protocol for an in-process ``backend`` until end of input.

    ``spec`` is the spec's module name the hello must ask for, ``actions`` the
    requests declared in the hello (``Reset`` included); any other is answered
    ``unsupported``, as is one the backend raises :class:`ActionUnsupported` for.
    ``queries`` answer the observations the hello declares, each a checker value.
    """
    server = _Server(backend, spec, actions, queries or {})
    inp = stdin or sys.stdin.buffer
    out = stdout or sys.stdout.buffer
    for line in inp:
        if not line.strip():
            continue
        out.write(server.answer(line).encode() + b"\n")
        out.flush()
    return 0
