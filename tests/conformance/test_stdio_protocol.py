"""The stdio protocol 2: hello, capabilities, unsupported replies, stderr, the JSON Schema.

Real subprocesses throughout: the example backend program, or small Python
programs that misbehave in one precise way.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from aura_conformance.descriptor_validity import run_dv_conformance
from aura_conformance.examples.protocol_traffic import (
    EXAMPLE_BACKEND,
    generated_section,
    render_examples,
    spec_traffic,
)
from aura_conformance.guard_chain import GuardChainWorld, project_guard_chain, run_conformance
from aura_conformance.harness import (
    PROTOCOL,
    ActionUnsupported,
    BackendCrashed,
    BackendError,
    BackendProtocolError,
    BackendTimeout,
    BackendVersionMismatch,
    decode_reply,
    serve_stdio,
    state_from_itf,
    state_to_itf,
)
from aura_conformance.harness.stdio import (
    STDERR_KEPT,
    decode_answer,
    decode_hello,
    protocol_schema,
)
from aura_conformance.protocol_specs import PROTOCOL_SPECS, open_stdio, reference_backend
from aura_model.tla import ModelValue
from hypothesis import given, settings
from hypothesis import strategies as st

GUARD = PROTOCOL_SPECS["guard"]


def _validator(entry: str) -> Any:
    schema = {**protocol_schema(), "$ref": f"#/$defs/{entry}"}
    del schema["oneOf"]
    return jsonschema.Draft202012Validator(schema)


REQUEST = _validator("request")
REPLY = _validator("reply")
EFFECT = _validator("effect")


def _same_but_for_a_positive_id(direction: str, obj: Any) -> tuple[str, str] | None:
    """A key shared by exactly the lines the schema must judge alike, or None.

    The schema's only constraints on an id are "integer, minimum 0", "integer,
    minimum 1", "const 0" and "integer or null": any two integers >= 1 pass or
    fail each alike. So a line differing from one already validated only in such
    an id gets the same verdict (most of a run's lines repeat a state already
    sent; validating each costs about 15 ms, as much as the whole run)."""
    rid = obj.get("id") if isinstance(obj, dict) else None
    if type(rid) is not int or rid < 1:
        return None
    rest = {k: v for k, v in obj.items() if k != "id"}
    return direction, json.dumps(rest, sort_keys=True)


def _check_traffic(lines: list[tuple[str, bytes]]) -> set[str]:
    """Every line against the schema; the actions that were sent."""
    sent = set()
    judged: set[tuple[str, str]] = set()
    for direction, line in lines:
        obj = json.loads(line)
        key = _same_but_for_a_positive_id(direction, obj)
        if key is None or key not in judged:
            (REQUEST if direction == "request" else REPLY).validate(obj)
            if key is not None:
                judged.add(key)
        if direction == "request" and "action" in obj:
            sent.add(obj["action"])
    return sent


def _program(body: str) -> list[str]:
    """A backend program: answers the hello as ``hello`` (a JSON object) says, then
    runs ``body`` for every other request line (``req`` is the decoded request)."""
    return [sys.executable, "-c", f"import json, sys, time\n{body}"]


_HELLO_THEN = """
for line in sys.stdin:
    req = json.loads(line)
    if "hello" in req:
        print(json.dumps({{"id": 0, "hello": {hello}}}), flush=True)
        continue
{body}
"""


def _after_hello(body: str, hello: str | None = None) -> list[str]:
    good = json.dumps({"protocol": PROTOCOL, "spec": "GuardChain", "actions": list(GUARD.actions)})
    return _program(_HELLO_THEN.format(hello=hello or good, body=body))


# ---------------------------------------------------------------- the schema


def test_schema_states_are_exactly_the_specs_variables() -> None:
    """The schema's state of each spec lists the spec's variables, no more, no fewer."""
    defs = protocol_schema()["$defs"]
    # Wire is driven by its own harness (aura_conformance.wire), not a spec machine.
    assert set(defs["spec"]["enum"]) == {s.module for s in PROTOCOL_SPECS.values()} | {"Wire"}
    for spec in PROTOCOL_SPECS.values():
        state = defs[f"state{spec.module}"]
        assert state["required"] == list(spec.schema.variables)
        assert set(state["properties"]) == set(spec.schema.variables)


def test_reference_over_stdio_traffic_matches_the_schema() -> None:
    """A real run (directed scenarios and random runs) of the reference over stdio:
    every request and reply validates, and every action of the spec was sent."""
    lines: list[tuple[str, bytes]] = []
    backend = open_stdio("guard", EXAMPLE_BACKEND, transcript=lines)
    try:
        result = run_conformance(backend, examples=3, seed=3)
    finally:
        backend.close()
    assert result.conformant, result.failure
    assert _check_traffic(lines) == set(GUARD.actions)


def test_descriptor_over_stdio_conforms_with_its_lookups() -> None:
    """DescriptorValidity over stdio: the Lookups query follows every step, the
    reference conforms and all its traffic validates."""
    lines: list[tuple[str, bytes]] = []
    backend = open_stdio("descriptor", [*EXAMPLE_BACKEND, "--spec", "descriptor"], transcript=lines)
    try:
        result = run_dv_conformance(backend, examples=3, seed=1)  # type: ignore[arg-type]
    finally:
        backend.close()
    assert result.conformant, result.failure
    assert not backend.skipped
    assert _check_traffic(lines) >= {"Reset", "PreparePublishDescriptor", "SyncJournal"}
    queries = [json.loads(x) for d, x in lines if d == "request" and b'"query"' in x]
    assert len(queries) > 20


def test_descriptor_program_ignoring_revocations_is_caught_by_its_lookups() -> None:
    """The lookup answer is load-bearing: a service that ignores revocations reports
    states the spec allows, and only its Lookups answer gives it away."""
    backend = open_stdio(
        "descriptor",
        [*EXAMPLE_BACKEND, "--spec", "descriptor", "--variant", "revocation-ignored"],
    )
    try:
        result = run_dv_conformance(backend, examples=3, seed=1)  # type: ignore[arg-type]
    finally:
        backend.close()
    assert not result.conformant
    assert "lookup: get_cached_descriptor" in result.failure


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        ({"#map": []}, "must answer every"),
        ({"#set": []}, "must be a #map"),
        ({"#map": [["a1", {"#set": []}]]}, "keys are #tup"),
        (5, "plain JSON number"),
    ],
)
def test_malformed_lookups_answers_are_refused(answer: object, match: str) -> None:
    """A program cannot pass the lookup check by answering less than every lookup."""
    hello = json.dumps(
        {
            "protocol": PROTOCOL,
            "spec": "DescriptorValidity",
            "actions": ["Reset"],
            "queries": ["Lookups"],
        }
    )
    body = f"    print(json.dumps({{'id': req['id'], 'answer': {answer!r}}}), flush=True)"
    backend = open_stdio("descriptor", _after_hello(body, hello))
    try:
        with pytest.raises(BackendProtocolError, match=match):
            backend.lookups()  # type: ignore[attr-defined]
    finally:
        backend.close()


def test_relay_served_over_stdio_matches_the_schema() -> None:
    """The example program serves the relay path: the directed scenarios' requests
    sent to it over stdio make traffic that validates, every action included."""
    assert _check_traffic(spec_traffic("relay")) == set(PROTOCOL_SPECS["relay"].actions)


@pytest.mark.slow
@pytest.mark.parametrize("key", ["epoch", "descriptor"])
def test_in_process_specs_served_over_stdio_match_the_schema(key: str) -> None:
    """The example program serves every spec: the directed scenarios' requests sent
    to it over stdio make traffic that validates, every action included."""
    assert _check_traffic(spec_traffic(key)) == set(PROTOCOL_SPECS[key].actions)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("request", {"id": 1, "action": "Tick", "now": -1, "args": {}}),
        ("request", {"id": 1, "action": "Tick", "now": 0}),
        ("request", {"id": 0, "hello": {"protocol": "aura-conformance/1", "spec": "GuardChain"}}),
        ("request", {"id": 1, "action": "Tick", "now": 0, "args": {"dt": 5}}),
        ("reply", {"id": 1, "outcome": "x", "state": {"net": [], "spent": 0, "nextId": 1}}),
        ("reply", {"id": 1, "outcome": "x", "state": {"net": [], "nextId": {"#bigint": "1"}}}),
        ("reply", {"id": 1, "outcome": "", "state": {}}),
        ("reply", {"id": 1, "unsupported": "no", "outcome": "x"}),
        ("reply", {"id": 0, "hello": {"protocol": PROTOCOL, "spec": "GuardChain", "actions": []}}),
        ("reply", {"id": 1, "error": 5}),
        ("reply", {"id": 1, "outcome": "x", "state": {"net": {"tag": "A", "value": 1}}}),
    ],
)
def test_schema_refuses_malformed_messages(entry: str, message: dict[str, Any]) -> None:
    """The broken counterparts: each message breaks one rule of the protocol."""
    validator = REQUEST if entry == "request" else REPLY
    assert not validator.is_valid(message)


def test_schema_accepts_a_good_reply_of_each_kind() -> None:
    good_state = {
        "net": {"#set": []},
        "spent": {"#map": []},
        "paid": {"#map": []},
        "nextId": {"#bigint": "1"},
        "now": {"#bigint": "0"},
        "epoch": {"#map": []},
        "desc": {"#map": []},
        "held": {"#map": []},
    }
    for message in (
        {"id": 1, "outcome": "Reset", "state": good_state},
        {"id": 1, "unsupported": "not here"},
        {"id": None, "error": "request is not JSON"},
    ):
        REPLY.validate(message)


# ---------------------------------------------------------------- the hello


def test_backend_of_another_version_is_a_clear_error() -> None:
    hello = json.dumps({"protocol": "aura-conformance/1", "spec": "GuardChain", "actions": []})
    with pytest.raises(BackendVersionMismatch, match=r"speaks protocol 'aura-conformance/1', "):
        open_stdio("guard", _after_hello("    pass", hello))


def test_backend_of_the_first_protocol_is_told_what_to_speak() -> None:
    """A protocol-1 backend answers the hello (no action) with an error reply."""
    old = _program(
        "for line in sys.stdin:\n"
        "    req = json.loads(line)\n"
        "    print(json.dumps({'id': req.get('id'), 'error': 'request needs action'}), flush=True)"
    )
    with pytest.raises(BackendVersionMismatch, match="did not answer the hello") as caught:
        open_stdio("guard", old)
    assert "request needs action" in str(caught.value)
    assert '"hello"' in str(caught.value)  # the request that did it


def test_backend_of_another_spec_is_a_clear_error() -> None:
    with pytest.raises(BackendVersionMismatch, match="serves GuardChain, not RelayConformance"):
        open_stdio("relay", EXAMPLE_BACKEND)
    hello = json.dumps({"protocol": PROTOCOL, "spec": "EpochRotation", "actions": ["Reset"]})
    with pytest.raises(BackendVersionMismatch, match="serves spec 'EpochRotation'"):
        open_stdio("guard", _after_hello("    pass", hello))


@pytest.mark.parametrize(
    ("actions", "match"),
    [
        (["PrepareOperation"], "must include Reset"),
        (["Reset", "Teleport"], "does not have"),
        (["Reset", "Reset"], "twice"),
    ],
)
def test_malformed_capabilities_are_refused(actions: list[str], match: str) -> None:
    hello = json.dumps({"protocol": PROTOCOL, "spec": "GuardChain", "actions": actions})
    with pytest.raises(BackendProtocolError, match=match):
        open_stdio("guard", _after_hello("    pass", hello))


def test_server_wants_the_hello_first_and_names_both_versions() -> None:
    lines = [
        {"id": 1, "action": "Reset", "now": 0, "args": {}},
        {"id": 0, "hello": {"protocol": "aura-conformance/9", "spec": "GuardChain"}},
        {"id": 0, "hello": {"protocol": PROTOCOL, "spec": "GuardChain"}},
        {"id": 2, "action": "Teleport", "now": 0, "args": {}},
        {"id": 3, "query": "Lookups", "args": {}},
    ]
    out = io.BytesIO()
    stdin = io.BytesIO(b"".join(json.dumps(x).encode() + b"\n" for x in lines))
    serve_stdio(
        reference_backend("guard"),
        spec="GuardChain",
        actions=GUARD.actions,
        stdin=stdin,
        stdout=out,
    )
    first, version, hello, teleport, query = (json.loads(x) for x in out.getvalue().splitlines())
    assert "hello" in first["error"]
    assert PROTOCOL in version["error"] and "aura-conformance/9" in version["error"]
    assert hello["hello"]["actions"] == list(GUARD.actions)
    assert "Teleport" in teleport["unsupported"]
    assert "Lookups" in query["unsupported"]


# ---------------------------------------------------------------- unsupported


def test_undeclared_action_is_never_sent_and_is_reported_skipped() -> None:
    lines: list[tuple[str, bytes]] = []
    backend = open_stdio("guard", [*EXAMPLE_BACKEND, "--without", "ForgeReceipt"], transcript=lines)
    try:
        result = run_conformance(backend, examples=3, seed=3)
    finally:
        backend.close()
    assert result.conformant, result.failure
    assert set(backend.skipped) == {"ForgeReceipt"}
    assert "ForgeReceipt" not in _check_traffic(lines)


def test_unsupported_reply_stops_the_action_and_the_run_goes_on() -> None:
    lines: list[tuple[str, bytes]] = []
    backend = open_stdio("guard", [*EXAMPLE_BACKEND, "--refuse", "AdvanceEpoch"], transcript=lines)
    try:
        result = run_conformance(backend, examples=3, seed=3)
    finally:
        backend.close()
    assert result.conformant, result.failure
    assert backend.skipped == {"AdvanceEpoch": "AdvanceEpoch is not implemented by this backend"}
    replies = [json.loads(x) for d, x in lines if d == "reply"]
    assert sum("unsupported" in r for r in replies) == 1, "sent again after unsupported"
    assert result.steps > 20


def test_unsupported_action_is_a_typed_error_not_a_crash() -> None:
    backend = open_stdio("guard", [*EXAMPLE_BACKEND, "--refuse", "Tick"])
    try:
        backend.request("Reset", {}, 0)
        with pytest.raises(ActionUnsupported, match="Tick: unsupported"):
            backend.request("Tick", {"dt": 1}, 1)
        with pytest.raises(ActionUnsupported):
            backend.request("Tick", {"dt": 1}, 1)
    finally:
        backend.close()


def test_reset_answered_unsupported_is_a_protocol_error() -> None:
    backend = open_stdio("guard", [*EXAMPLE_BACKEND, "--refuse", "Reset"])
    try:
        with pytest.raises(BackendProtocolError, match="Reset answered unsupported"):
            backend.request("Reset", {}, 0)
    finally:
        backend.close()


# ---------------------------------------------------------------- misbehaviour


def test_crash_shows_the_request_and_the_backend_stderr() -> None:
    body = (
        "    print('boom: journal corrupted at', req['action'], file=sys.stderr, flush=True)\n"
        "    sys.exit(3)"
    )
    backend = open_stdio("guard", _after_hello(body))
    try:
        with pytest.raises(BackendCrashed) as caught:
            backend.request("Reset", {}, 0)
    finally:
        backend.close()
    text = str(caught.value)
    assert "exit 3" in text
    assert '"action": "Reset"' in text
    assert "boom: journal corrupted at Reset" in text


def test_timeout_is_an_error_with_the_request_and_stderr() -> None:
    body = (
        "    print('thinking about', req['action'], file=sys.stderr, flush=True)\n"
        "    time.sleep(30)"
    )
    backend = open_stdio("guard", _after_hello(body), timeout=0.5)
    try:
        with pytest.raises(BackendTimeout, match=r"no reply within 0.5s") as caught:
            backend.request("Reset", {}, 0)
    finally:
        backend.close()
    assert '"action": "Reset"' in str(caught.value)
    assert "thinking about Reset" in str(caught.value)


def test_kept_stderr_is_bounded_to_its_end() -> None:
    body = (
        "    for i in range(20000): print('noise', i, file=sys.stderr)\n"
        "    print('last words', file=sys.stderr, flush=True)\n"
        "    sys.exit(1)"
    )
    backend = open_stdio("guard", _after_hello(body))
    try:
        with pytest.raises(BackendCrashed) as caught:
            backend.request("Reset", {}, 0)
    finally:
        backend.close()
    assert "last words" in caught.value.stderr
    assert len(caught.value.stderr.encode()) <= STDERR_KEPT
    assert "noise 0\n" not in caught.value.stderr


# ---------------------------------------------------------------- the document

DOC = Path(__file__).resolve().parents[2] / "docs" / "backend-protocol.md"


def _json_blocks(text: str) -> list[str]:
    return re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)


def test_document_examples_validate_and_hold_full_states() -> None:
    """Every request, reply and state of the generated section is protocol: the
    lines against the schema, each full state decoded strictly for its spec."""
    section = generated_section(DOC.read_text("utf-8"))
    specs = re.findall(r"^### (\w+) ", section, flags=re.MULTILINE)
    assert specs == [s.module for s in PROTOCOL_SPECS.values()]
    by_module = {s.module: s for s in PROTOCOL_SPECS.values()}
    states = 0
    for module, part in zip(
        specs, re.split(r"^### ", section, flags=re.MULTILINE)[1:], strict=True
    ):
        for block in _json_blocks(part):
            if block.startswith("{\n"):
                state = json.loads(block)
                _validator(f"state{module}").validate(state)
                state_from_itf(state, by_module[module].schema)
                states += 1
                continue
            for line in block.splitlines():
                obj = json.loads(line)
                if obj.get("state") == "...":
                    assert set(obj) - {"effects"} == {"id", "state", "outcome"}
                    for effect in obj.get("effects", []):
                        EFFECT.validate(effect)
                elif {"action", "query"} & set(obj) or "timeout_ms" in obj.get("hello", {}):
                    REQUEST.validate(obj)
                else:
                    REPLY.validate(obj)
    assert states == len(PROTOCOL_SPECS)


@pytest.mark.slow
def test_document_examples_are_what_a_real_run_prints() -> None:
    """The generated section is the output of the generator, not written by hand."""
    assert generated_section(DOC.read_text("utf-8")) == render_examples().strip("\n")


def test_a_tiny_timeout_still_sends_a_valid_hello() -> None:
    """Sub-millisecond timeouts round up to 1 ms in the hello (the schema's minimum)."""
    lines: list[tuple[str, bytes]] = []
    with pytest.raises(BackendTimeout):
        open_stdio(
            "guard", EXAMPLE_BACKEND, timeout=0.0004, startup_timeout=0.0004, transcript=lines
        )
    hello = json.loads(lines[0][1])
    REQUEST.validate(hello)
    assert hello["hello"]["timeout_ms"] == 1


# ---------------------------------------------------------------- fuzzing the new replies

_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)
_HELLO_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "protocol": _ANY_JSON | st.just(PROTOCOL),
        "spec": _ANY_JSON | st.just("GuardChain"),
        "actions": _ANY_JSON | st.just(["Reset"]) | st.lists(st.sampled_from(GUARD.actions)),
        "queries": _ANY_JSON | st.just([]),
        "backend": _ANY_JSON,
    },
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=120),
        _ANY_JSON.map(lambda x: json.dumps(x).encode()),
        st.builds(
            lambda rid, hello: json.dumps({"id": rid, "hello": hello}).encode(),
            st.sampled_from([0, 0.0, 1, None]),
            _HELLO_FIELDS | _ANY_JSON,
        ),
    )
)
def test_fuzzed_hellos_raise_only_typed_errors(line: bytes) -> None:
    """Whatever answers the hello: capabilities, or a typed backend error."""
    try:
        caps = decode_hello(line, spec="GuardChain", actions=GUARD.actions, source="fuzz")
    except BackendError:
        return
    assert "Reset" in caps.actions and caps.actions <= set(GUARD.actions)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=120),
        st.builds(
            lambda rid, key, value: json.dumps({"id": rid, key: value}).encode(),
            st.sampled_from([3, 3.0, True, None]),
            st.sampled_from(["answer", "error", "unsupported", "state"]),
            _ANY_JSON,
        ),
    )
)
def test_fuzzed_answers_raise_only_typed_errors(line: bytes) -> None:
    """Whatever answers a query: a value, a typed error, or an unsupported query."""
    with contextlib.suppress(BackendError, ActionUnsupported):
        decode_answer(line, 3, PROTOCOL_SPECS["descriptor"].schema, query="Lookups")


# ---------------------------------------------------------------- reported effects


def test_reference_program_reports_its_effects_in_order() -> None:
    """The example program reports what its ports saw: charge, append, send."""
    backend = open_stdio("guard", EXAMPLE_BACKEND)
    try:
        assert backend.reports_effects
        assert backend.request("Reset", {}, 0).effects == ()
        a1, a2 = ModelValue("a1"), ModelValue("a2")
        assert backend.request("PrepareOperation", {"a": a1, "d": a2, "c": 2}, 0).effects == ()
        done = backend.request("ExecuteEffects", {"fail_append": False}, 0).effects
        assert done is not None
        assert [(e.kind, e.cost) for e in done] == [
            ("ChargeFlowBudget", 2),
            ("JournalAppend", 0),
            ("Send", 0),
        ]
    finally:
        backend.close()


def _reply(**extra: object) -> bytes:
    state = state_to_itf(project_guard_chain(GuardChainWorld()))
    return json.dumps({"id": 1, "state": state, "outcome": "Reset", **extra}).encode()


@pytest.mark.parametrize(
    ("effects", "match"),
    [
        (None, "keys"),
        ("charge", "list of at most"),
        ([{"kind": "Send"}] * 65, "list of at most"),
        ([{"cost": {"#bigint": "1"}}], "kind"),
        ([{"kind": "ChargeFlowBudget", "cost": 1}], "#bigint"),
        ([{"kind": "ChargeFlowBudget", "cost": {"#bigint": "x"}}], "#bigint"),
        ([{"kind": "Send", "detail": "two\nlines"}], "detail"),
        ([{"kind": "Send", "extra": 1}], "kind"),
        ([{"kind": "Send", "by": "mallory"}], "by must name"),
        ([{"kind": "Send", "by": ["a1"]}], "by must name"),
        ([{"kind": "Send", "bytes": "ABCD"}], "lowercase hex"),
        ([{"kind": "Send", "bytes": "abc"}], "lowercase hex"),
        ([{"kind": "Send", "bytes": "zz"}], "lowercase hex"),
        ([{"kind": "Send", "bytes": 12}], "lowercase hex"),
        ([{"kind": "Send", "message": {"#bigint": "x"}}], "not an ITF value"),
    ],
)
def test_malformed_effects_are_refused(effects: object, match: str) -> None:
    """A backend that declared effects must report them, well formed, in every reply."""
    line = _reply() if effects is None else _reply(effects=effects)
    with pytest.raises(BackendProtocolError, match=match):
        decode_reply(line, 1, GUARD.schema, effects=True)
    good = decode_reply(
        _reply(effects=[{"kind": "ChargeFlowBudget", "cost": {"#bigint": "2"}}]),
        1,
        GUARD.schema,
        effects=True,
    )
    assert good.effects is not None and good.effects[0].cost == 2
    sent = decode_reply(
        _reply(effects=[{"kind": "Send", "by": "a1", "message": {"src": "a1"}, "bytes": "01ff"}]),
        1,
        GUARD.schema,
        effects=True,
    )
    assert sent.effects is not None
    [effect] = sent.effects
    assert (effect.by, effect.data) == ("a1", b"\x01\xff")
    assert effect.message.d["src"] == ModelValue("a1")
    # Undeclared, effects are an unknown key.
    with pytest.raises(BackendProtocolError, match="keys"):
        decode_reply(_reply(effects=[]), 1, GUARD.schema)
