"""The harness's quick decoding of a state reply (each variable's text matched against
the last reply's, then the memo) gives exactly the strict decoder's verdicts: the
same state, or the same error, whatever the bytes."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import pytest
from aura_conformance.examples.protocol_traffic import recorded_requests
from aura_conformance.harness import BackendError, BackendProtocolError
from aura_conformance.harness.backend import Reply
from aura_conformance.harness.state import DecodeMemo, encode_args
from aura_conformance.harness.stdio import HELLO_ID, PROTOCOL, RecentTexts, _Server, decode_reply
from aura_conformance.protocol_specs import PROTOCOL_SPECS, reference_backend
from hypothesis import given, settings
from hypothesis import strategies as st

GUARD = PROTOCOL_SPECS["guard"]


@functools.cache
def _replies() -> tuple[bytes, ...]:
    """The reference's replies to the guard spec's directed requests, served in
    process as the example program serves them (ids from 1)."""
    server = _Server(reference_backend("guard"), GUARD.module, GUARD.actions, {})
    hello = {"id": HELLO_ID, "hello": {"protocol": PROTOCOL, "spec": GUARD.module}}
    server.answer(json.dumps(hello).encode())
    out = []
    for i, (action, args, now) in enumerate(recorded_requests("guard"), 1):
        msg = {"id": i, "action": action, "now": now, "args": encode_args(args)}
        out.append(server.answer(json.dumps(msg).encode()).encode())
    return tuple(out)


def _strict(line: bytes, rid: int) -> Reply | str:
    try:
        return decode_reply(line, rid, GUARD.schema, effects=True)
    except BackendError as exc:
        return f"{type(exc).__name__}: {exc}"


def _quick(line: bytes, rid: int, memo: DecodeMemo, recent: RecentTexts) -> Reply | str:
    try:
        return decode_reply(line, rid, GUARD.schema, effects=True, memo=memo, recent=recent)
    except BackendError as exc:
        return f"{type(exc).__name__}: {exc}"


@functools.cache
def _known() -> tuple[DecodeMemo, RecentTexts]:
    memo: DecodeMemo = {}
    recent: RecentTexts = {}
    for rid, line in enumerate(_replies(), 1):
        assert isinstance(_quick(line, rid, memo, recent), Reply)
    return memo, recent


def _primed() -> tuple[DecodeMemo, RecentTexts]:
    """A memo and last texts holding every text of the exchange (a copy each call)."""
    memo, recent = _known()
    return dict(memo), dict(recent)


def test_real_replies_decode_as_strictly_and_to_the_same_objects() -> None:
    """Every reply of a real exchange: the strict decoder's state; a variable whose
    text recurs is the very object decoded before (the checker's verdicts are kept
    by identity)."""
    memo: DecodeMemo = {}
    recent: RecentTexts = {}
    first: dict[tuple[str, str], Any] = {}
    replies = _replies()
    assert len(replies) > 20
    for rid, line in enumerate(replies, 1):
        quick = _quick(line, rid, memo, recent)
        assert quick == _strict(line, rid)
        assert isinstance(quick, Reply)
        assert list(quick.state) == list(GUARD.schema.variables)
        raw = json.loads(line)["state"]
        for name, value in quick.state.items():
            text = json.dumps(raw[name])
            assert first.setdefault((name, text), value) is value


def _with_state(line: bytes, edit: Any) -> bytes:
    obj = json.loads(line)
    edit(obj["state"])
    return json.dumps(obj).encode()


@pytest.mark.parametrize(
    ("make", "match"),
    [
        # A text seen before, then more: the value does not end where the known one does.
        (
            lambda line: line.replace(b'"epoch": {"#bigint": "0"}', b'"epoch": {"#bigint": "0"}}'),
            "not JSON",
        ),
        # The state names a variable twice (the second one a text seen before).
        (
            lambda line: line.replace(b'"epoch": ', b'"epoch": {"#bigint": "0"}, "epoch": ', 1),
            "repeats the key",
        ),
        # A known variable's text with a key repeated inside it.
        (
            lambda line: line.replace(b'{"#bigint": "0"}', b'{"#bigint": "1", "#bigint": "1"}', 1),
            "repeats the key",
        ),
        (lambda line: line.replace(b'"id": 3', b'"id": 3, "id": 3'), "repeats the key"),
        (lambda line: line.replace(b'{"#bigint": "0"}', b"NaN", 1), "not JSON"),
        (lambda line: _with_state(line, lambda s: s.pop("epoch")), "missing \\['epoch'\\]"),
        (lambda line: _with_state(line, lambda s: s.update(extra=1)), "unknown \\['extra'\\]"),
        (lambda line: line + b" x", "not JSON"),
        (lambda line: line.replace(b'"id": 3', b'"id": 3.0'), "not an integer"),
    ],
)
def test_known_texts_never_let_a_malformed_reply_through(make: Any, match: str) -> None:
    """With every variable's text already known, a reply that the strict decoder
    refuses is still refused, with the same error."""
    memo, recent = _primed()
    line = _replies()[2]
    assert b'"id": 3,' in line and b'"epoch": {"#bigint": "0"}' in line
    bad = make(line)
    assert bad != line
    quick = _quick(bad, 3, memo, recent)
    assert isinstance(quick, str) and quick == _strict(bad, 3)
    assert re.search(match, quick), quick
    assert quick.startswith(BackendProtocolError.__name__)


def test_reordered_and_respaced_replies_decode_the_same() -> None:
    """Another order of the variables, other whitespace: the same state."""
    memo, recent = _primed()
    for rid, line in enumerate(_replies(), 1):
        obj = json.loads(line)
        obj["state"] = dict(reversed(obj["state"].items()))
        for text in (
            json.dumps(obj),
            json.dumps(obj, separators=(",", ":")),
            json.dumps(obj, indent=1).replace("\n", " "),
        ):
            other = text.encode()
            assert _quick(other, rid, memo, recent) == _strict(other, rid)


_EDITS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=4000),
        st.integers(min_value=0, max_value=3),
        st.sampled_from(
            [
                b"",
                b" ",
                b"}",
                b"]",
                b"{",
                b",",
                b'"',
                b"1",
                b"NaN",
                b'"#bigint": "2", ',
                b"\\u0041",
                b'"a1"',
                b"\xff",
            ]
        ),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), _EDITS)
def test_edited_replies_get_the_strict_verdict(
    which: int, edits: list[tuple[int, int, bytes]]
) -> None:
    """A real reply with bytes replaced, removed or added, decoded with every text of
    the exchange already known: exactly what the strict decoder makes of it."""
    memo, recent = _primed()
    replies = _replies()
    rid = which % len(replies) + 1
    line = bytearray(replies[rid - 1])
    for where, cut, put in edits:
        at = where % (len(line) + 1)
        line[at : at + cut] = put
    assert _quick(bytes(line), rid, memo, recent) == _strict(bytes(line), rid)


def test_a_repeated_reply_decodes_as_strictly_under_another_id() -> None:
    """A reply whose state and ending (outcome, effects) were seen before, under a new
    id: the strict decoder's reply, the state's values the very objects decoded before;
    a stale id or the ending known for the other effects setting gets the strict verdict."""
    memo, recent = _primed()
    for rid, line in enumerate(_replies(), 1):
        again = line.replace(f'"id": {rid},'.encode(), b'"id": 9999,', 1)
        quick = _quick(again, 9999, memo, recent)
        assert quick == _strict(again, 9999)
        assert isinstance(quick, Reply)
        known = _quick(line, rid, memo, recent)
        assert isinstance(known, Reply)
        assert all(quick.state[k] is v for k, v in known.state.items())
        stale = _quick(again, 10_000, memo, recent)
        assert isinstance(stale, str) and stale == _strict(again, 10_000)
    line = _replies()[2]
    try:
        plain: Reply | str = decode_reply(line, 3, GUARD.schema, memo=memo, recent=recent)
    except BackendError as exc:
        plain = f"{type(exc).__name__}: {exc}"
    assert isinstance(plain, str) and "reply keys" in plain


@pytest.mark.parametrize(
    "ending",
    [
        b', "outcome": "Reset", "effects": [], "id": 3}',
        b', "outcome": "Reset", "effects": [], "state": {}}',
        b', "outcome": "Reset", "effects": []} {}',
        b', "outcome": "Reset"}',
        b', "outcome": "Reset", "effects": [{"kind": "X", "kind": "X"}]}',
    ],
)
def test_a_known_state_before_an_unknown_ending_gets_the_strict_verdict(ending: bytes) -> None:
    """A reply starting with the id and a state seen before, then something no
    accepted reply ended with: judged as the strict decoder judges it."""
    memo, recent = _primed()
    line = _replies()[2]
    state_end = line.index(b', "outcome": ')
    bad = line[:state_end] + ending
    quick = _quick(bad, 3, memo, recent)
    assert isinstance(quick, str) and quick == _strict(bad, 3)
    assert quick.startswith(BackendProtocolError.__name__)


def test_the_serving_end_writes_json_dumps_of_each_reply() -> None:
    """What the serving end writes (texts kept per value, per state, per outcome and
    per effect list, arguments decoded once per text) is ``json.dumps`` of the reply
    built afresh: the protocol's bytes."""
    from aura_conformance.harness.state import state_to_itf
    from aura_conformance.harness.stdio import _effect_json

    replies: list[Reply] = []

    class Tapped:
        def __init__(self) -> None:
            self.inner = reference_backend("guard")
            self.name, self.schema = self.inner.name, self.inner.schema
            self.reports_effects = True

        def request(self, action: str, args: Any, now: int) -> Reply:
            replies.append(self.inner.request(action, args, now))
            return replies[-1]

        def close(self) -> None:
            self.inner.close()

    server = _Server(Tapped(), GUARD.module, GUARD.actions, {})
    hello = {"id": HELLO_ID, "hello": {"protocol": PROTOCOL, "spec": GUARD.module}}
    server.answer(json.dumps(hello).encode())
    # The directed requests twice over, so every kept text is written again.
    requests = recorded_requests("guard") * 2
    for i, (action, args, now) in enumerate(requests, 1):
        msg = {"id": i, "action": action, "now": now, "args": encode_args(args)}
        text = server.answer(json.dumps(msg).encode())
        reply = replies[-1]
        expected = {
            "id": i,
            "state": state_to_itf(reply.state),
            "outcome": reply.outcome,
            "effects": [_effect_json(e) for e in reply.effects or ()],
        }
        assert text == json.dumps(expected)
    assert len(replies) == len(requests)
