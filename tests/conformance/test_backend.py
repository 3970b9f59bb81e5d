"""Backends: the stdio protocol over a real subprocess, and strict decoding of its replies."""

from __future__ import annotations

import contextlib
import json
import sys

import pytest
from aura_conformance import (
    GUARD_CHAIN,
    PROTOCOL,
    BackendCrashed,
    BackendError,
    BackendProtocolError,
    BackendTimeout,
    GuardChainWorld,
    ReferenceBackend,
    StdioBackend,
    decode_reply,
    open_backend,
    project_guard_chain,
    run_conformance,
    state_to_itf,
)
from aura_conformance.harness.stdio import STARTUP_TIMEOUT
from aura_model.tla import ModelValue
from hypothesis import given, settings
from hypothesis import strategies as st

EXAMPLE = [sys.executable, "-m", "aura_conformance.examples.guard_backend"]
GUARD_ACTIONS = (
    "Reset",
    "PrepareOperation",
    "ExecuteEffects",
    "AdvanceEpoch",
    "ReceiveReceipt",
    "ReceiveReceiptFails",
    "OtherContextReceipt",
    "ForgeReceipt",
    "EquivocateReceipt",
    "RelinkFirstReceipt",
    "SignFutureReceipt",
    "Tick",
)


def _stdio(
    command: list[str], timeout: float = 10.0, startup_timeout: float | None = None
) -> StdioBackend:
    return StdioBackend(
        command,
        schema=GUARD_CHAIN,
        spec="GuardChain",
        actions=GUARD_ACTIONS,
        timeout=timeout,
        startup_timeout=startup_timeout,
    )


def test_stdio_reference_backend_conforms() -> None:
    """The example program serves the reference world over pipes and passes."""
    backend = _stdio(EXAMPLE)
    try:
        result = run_conformance(backend, examples=10, seed=5)
    finally:
        backend.close()
    assert result.conformant, result.failure
    assert result.steps > 50


@pytest.mark.parametrize("variant", ["double-charge", "no-replay-check"])
def test_stdio_buggy_backend_is_caught(variant: str) -> None:
    """A broken backend in another process is caught from its replies alone."""
    backend = _stdio([*EXAMPLE, "--variant", variant])
    try:
        result = run_conformance(backend, examples=5, seed=5)
    finally:
        backend.close()
    assert not result.conformant
    assert "explains the step" in result.failure


def test_stdio_backend_reports_its_refusals_as_typed_errors() -> None:
    """A request the backend refuses comes back as BackendError with its message."""
    backend = open_backend(" ".join(EXAMPLE))
    try:
        backend.request("Reset", {}, 0)
        with pytest.raises(BackendError, match="no outcome in flight") as caught:
            backend.request("ExecuteEffects", {"fail_append": False}, 0)
        # The error quotes the request that led to it.
        assert '"action": "ExecuteEffects"' in str(caught.value)
    finally:
        backend.close()


def test_silent_backend_times_out() -> None:
    """A backend that never answers raises BackendTimeout after its time limit
    (for the hello, its start-up limit)."""
    with pytest.raises(BackendTimeout, match=r"no reply within 0.3s"):
        _stdio(
            [sys.executable, "-c", "import time; time.sleep(30)"],
            timeout=0.3,
            startup_timeout=0.3,
        )


def test_the_hello_waits_for_start_up_beyond_the_reply_timeout() -> None:
    """A backend slow to start (here 1.5 s of sleep before it reads, as an interpreter
    on a loaded machine) is not a hung one: the hello waits STARTUP_TIMEOUT, at least
    the reply timeout; the replies after it keep the reply timeout."""
    slow_start = (
        "import sys, time, json\n"
        "time.sleep(1.5)\n"
        "req = json.loads(sys.stdin.readline())\n"
        "print(json.dumps({'id': req['id'], 'hello': {'protocol': req['hello']['protocol'],"
        " 'spec': 'GuardChain', 'actions': req['hello']['actions'], 'queries': []}}),"
        " flush=True)\n"
        "time.sleep(30)\n"
    )
    backend = _stdio([sys.executable, "-c", slow_start], timeout=0.5)
    try:
        assert backend.startup_timeout == STARTUP_TIMEOUT
        with pytest.raises(BackendTimeout, match=r"no reply within 0.5s"):
            backend.request("Reset", {}, 0)
    finally:
        backend.close()


def test_exiting_backend_is_reported_as_crashed() -> None:
    """A backend that exits closes its pipe: BackendCrashed, not a hang."""
    with pytest.raises(BackendCrashed, match=r"exit 0"):
        _stdio([sys.executable, "-c", "pass"], timeout=5)


def test_missing_program_is_reported_as_crashed() -> None:
    """A command that cannot start is a typed error naming it."""
    with pytest.raises(BackendCrashed, match="cannot start"):
        _stdio(["/nonexistent/backend-program"])


def test_garbage_reply_is_a_protocol_error() -> None:
    """A backend printing something other than a reply is refused strictly."""
    code = "import sys\nfor _ in sys.stdin: print('hello'); sys.stdout.flush()"
    with pytest.raises(BackendProtocolError, match="not JSON"):
        _stdio([sys.executable, "-c", code], timeout=5)


def _good_reply(rid: int = 1) -> dict[str, object]:
    state = state_to_itf(project_guard_chain(GuardChainWorld()))
    return {"id": rid, "state": state, "outcome": "Reset"}


def test_decode_reply_accepts_a_good_reply_and_checks_its_id() -> None:
    """The id must match the request's; the state is decoded to checker values."""
    line = json.dumps(_good_reply()).encode()
    assert decode_reply(line, 1, GUARD_CHAIN).state["pAuth"] == ModelValue("NoAuth")
    with pytest.raises(BackendProtocolError, match="reply id"):
        decode_reply(line, 2, GUARD_CHAIN)
    with pytest.raises(BackendProtocolError, match="keys"):
        decode_reply(json.dumps({**_good_reply(), "extra": 1}).encode(), 1, GUARD_CHAIN)
    with pytest.raises(BackendError, match="refused"):
        decode_reply(json.dumps({"id": 1, "error": "no"}).encode(), 1, GUARD_CHAIN)


def test_reference_backend_rejects_bad_arguments() -> None:
    """Arguments that are not spec values of the right kind are refused, typed."""
    backend = ReferenceBackend()
    backend.request("Reset", {}, 0)
    with pytest.raises(BackendError, match="must be one of"):
        backend.request("PrepareOperation", {"a": "a1", "d": ModelValue("a2"), "c": 1}, 0)
    with pytest.raises(BackendError, match="cost"):
        backend.request(
            "PrepareOperation", {"a": ModelValue("a1"), "d": ModelValue("a2"), "c": 9}, 0
        )
    with pytest.raises(BackendError, match="no receipt"):
        backend.request("ReceiveReceipt", {"r": 1}, 0)
    with pytest.raises(BackendError, match="unknown variant"):
        ReferenceBackend("nope")


def _mutations(obj: object) -> st.SearchStrategy[bytes]:
    text = json.dumps(obj).encode()
    return st.one_of(
        st.binary(max_size=200),
        st.builds(
            lambda i, b: text[:i] + bytes([b]) + text[i + 1 :],
            st.integers(0, len(text) - 1),
            st.integers(0, 255),
        ),
        st.builds(lambda i: text[:i], st.integers(0, len(text))),
    )


@settings(max_examples=400, deadline=None)
@given(_mutations(_good_reply()))
def test_fuzzed_replies_raise_only_typed_errors(line: bytes) -> None:
    """Untrusted reply bytes decode or raise a BackendError subclass, nothing else."""
    with contextlib.suppress(BackendError):
        decode_reply(line, 1, GUARD_CHAIN)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120).filter(lambda b: b"\n" not in b and b.strip()))
def test_server_answers_garbage_requests_with_error_replies(line: bytes) -> None:
    """serve_stdio answers every undecodable request with one error reply and keeps serving."""
    import io

    from aura_conformance import serve_stdio

    hello = json.dumps({"id": 0, "hello": {"protocol": PROTOCOL, "spec": "GuardChain"}}).encode()
    good = json.dumps({"id": 2, "action": "Reset", "now": 0, "args": {}}).encode()
    out = io.BytesIO()
    requests = io.BytesIO(hello + b"\n" + line + b"\n" + good + b"\n")
    serve_stdio(
        ReferenceBackend(), spec="GuardChain", actions=GUARD_ACTIONS, stdin=requests, stdout=out
    )
    replies = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(replies) == 3
    reply = decode_reply(json.dumps(replies[2]).encode(), 2, GUARD_CHAIN, effects=True)
    assert reply.outcome == "Reset" and reply.effects == ()


@pytest.mark.parametrize("rid", [1.0, 1e0, True, "1", [1], None, {"#bigint": "1"}, 2, -1])
def test_reply_id_must_be_exactly_the_request_integer(rid: object) -> None:
    """1.0 == True == 1 in Python: the id is refused unless it is the int itself,
    and the error names the backend and quotes the reply."""
    line = json.dumps({**_good_reply(), "id": rid}).encode()
    with pytest.raises(BackendProtocolError, match="reply id") as caught:
        decode_reply(line, 1, GUARD_CHAIN, source="my-backend")
    assert str(caught.value).startswith("my-backend: ")
    assert repr(line[:40])[2:-1] in str(caught.value)
    assert decode_reply(json.dumps(_good_reply()).encode(), 1, GUARD_CHAIN).outcome == "Reset"


def test_reply_without_id_and_error_reply_with_float_id_are_refused() -> None:
    good = _good_reply()
    del good["id"]
    with pytest.raises(BackendProtocolError, match="no id"):
        decode_reply(json.dumps(good).encode(), 1, GUARD_CHAIN)
    with pytest.raises(BackendProtocolError, match="not an integer"):
        decode_reply(b'{"id": 1.0, "error": "no"}', 1, GUARD_CHAIN)


@pytest.mark.parametrize(
    ("line", "match"),
    [
        (b'{"id": 1, "id": 1, "error": "x"}', "repeats the key"),
        (b'{"id": 1, "error": NaN}', "NaN is not JSON"),
        (b'{"id": Infinity, "error": "x"}', "Infinity is not JSON"),
        (b'{"id": 1, "error": ["x"]}', "error reply"),
        (b'{"id": 1, "error": "x", "state": {}}', "error reply"),
        (b'{"id": 1' + b"0" * 5000 + b', "error": "x"}', "not JSON"),
        (b"[" * 100_000, "not JSON"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_malformed_replies_are_refused(line: bytes, match: str) -> None:
    with pytest.raises(BackendProtocolError, match=match):
        decode_reply(line, 1, GUARD_CHAIN, source="b")


@pytest.mark.parametrize("outcome", ["", 7, None, "x" * 201, "two\nlines", ["Reset"]])
def test_outcome_must_be_a_short_printable_string(outcome: object) -> None:
    line = json.dumps({**_good_reply(), "outcome": outcome}).encode()
    with pytest.raises(BackendProtocolError, match="outcome"):
        decode_reply(line, 1, GUARD_CHAIN)


def test_state_errors_name_the_backend_and_the_reply() -> None:
    good = _good_reply()
    state = dict(good["state"])  # type: ignore[call-overload]
    state["epoch"] = 0  # a plain number, not {"#bigint": "0"}
    with pytest.raises(BackendProtocolError, match="plain JSON number") as caught:
        decode_reply(json.dumps({**good, "state": state}).encode(), 1, GUARD_CHAIN, source="impl-x")
    assert str(caught.value).startswith("impl-x: ") and "reply b'" in str(caught.value)
    state["epoch"] = {"tag": "Some", "value": {"#bigint": "0"}}
    with pytest.raises(BackendProtocolError, match="cannot be a spec value"):
        decode_reply(json.dumps({**good, "state": state}).encode(), 1, GUARD_CHAIN, source="impl-x")


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


def _only_typed_errors(line: bytes) -> None:
    try:
        reply = decode_reply(line, 1, GUARD_CHAIN, source="fuzz")
    except BackendProtocolError as exc:
        assert str(exc).startswith("fuzz: ")
        return
    except BackendError:
        return
    obj = json.loads(line)
    assert type(obj["id"]) is int and obj["id"] == 1
    assert isinstance(reply.outcome, str) and reply.outcome


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_fuzzed_json_replies_raise_only_typed_errors(obj: object) -> None:
    """Arbitrary JSON values as replies: decoded or a typed error, never anything else."""
    _only_typed_errors(json.dumps(obj).encode())


@settings(max_examples=400, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "id": _JSON | st.sampled_from([1, 1.0, True, 0, 2, -1, 10**30]),
            "state": _JSON | st.just(_good_reply()["state"]),
            "outcome": _JSON | st.sampled_from(["Reset", "", "x" * 300]),
            "error": _JSON,
            "extra": _JSON,
        },
    )
)
def test_fuzzed_reply_fields_raise_only_typed_errors(obj: dict[str, object]) -> None:
    """Every field of a reply, alone or together, of any JSON type."""
    _only_typed_errors(json.dumps(obj).encode())


# Built once, not inside the test: a strategy made per example is validated anew
# each time, which cost about as much as the 300 examples themselves.
_ITF_LIKE = st.recursive(
    _JSON,
    lambda inner: st.one_of(
        st.builds(lambda x: {"#set": x}, st.lists(inner, max_size=3)),
        st.builds(lambda x: {"#tup": x}, st.lists(inner, max_size=3)),
        st.builds(lambda x: {"#map": x}, st.lists(st.lists(inner, max_size=3), max_size=3)),
        st.builds(lambda x: {"#bigint": x}, st.text(max_size=6)),
        st.builds(lambda x: {"tag": "T", "value": x}, inner),
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_fuzzed_states_raise_only_typed_errors(data: st.DataObject) -> None:
    """A good reply with one state variable replaced by arbitrary JSON (ITF or not)."""
    good = _good_reply()
    state = dict(good["state"])  # type: ignore[call-overload]
    name = data.draw(st.sampled_from(sorted(state)))
    state[name] = data.draw(_ITF_LIKE)
    _only_typed_errors(json.dumps({**good, "state": state}).encode())
