"""Every spec over stdio: what the machines observe comes through the protocol.

EpochRotation's service checks are queries (``ChannelLookups``,
``NeedsRefresh``), what a backend did is the effects it reports with each reply
(the guard chain's and the relay's charges and sends, each send's record and
bytes), and the bytes are checked against the records: a backend that reports
the right states and sends no real message fails.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import attrs
import pytest
from aura_conformance import run_conformance, run_epoch_conformance
from aura_conformance.harness.backend import EFFECTS_UNREPORTED, Reply
from aura_conformance.harness.errors import BackendProtocolError
from aura_conformance.harness.state import StateSchema
from aura_conformance.protocol_specs import (
    PROTOCOL_SPECS,
    EpochStdioBackend,
    open_stdio,
    reference_backend,
)
from aura_conformance.relay import run_relay_conformance
from aura_conformance.spec_harnesses import SPEC_HARNESSES
from aura_conformance.variants import WRONG_BACKENDS
from aura_model.tla import ModelValue
from aura_model.tla import values as V
from aura_verify import main

EXAMPLE = [sys.executable, "-m", "aura_conformance.examples.guard_backend"]
_RUNNERS: dict[str, Any] = {
    "guard": run_conformance,
    "epoch": run_epoch_conformance,
    "relay": run_relay_conformance,
}


def _over_stdio(spec: str, *extra: str) -> Any:
    return open_stdio(spec, [*EXAMPLE, "--spec", spec, *extra], timeout=30.0)


def test_every_spec_is_driven_over_stdio() -> None:
    assert all(s.over_stdio for s in PROTOCOL_SPECS.values())
    assert PROTOCOL_SPECS["epoch"].queries == ("ChannelLookups", "NeedsRefresh", "OtherContext")


@pytest.mark.parametrize("spec", ["epoch", "relay"])
def test_the_reference_over_stdio_conforms_with_reported_effects(spec: str) -> None:
    backend = _over_stdio(spec)
    try:
        result = _RUNNERS[spec](backend, examples=5, seed=1)
    finally:
        backend.close()
    assert result.conformant, result.failure
    assert backend.reports_effects and backend.skipped == {}


# The wrong backends the in-process machines caught by looking into the world:
# over stdio the same invariant is named, from queries and reported effects.
_OBSERVED = [
    ("guard", "effects-on-deny"),
    ("guard", "charge-after-send"),
    ("guard", "charge-after-append"),
    ("epoch", "unchecked-static-key"),
    ("epoch", "peer-only-lookup"),
    ("epoch", "refresh-ignores-epoch"),
    ("relay", "uncharged-relay-request"),
]


@pytest.mark.parametrize(("spec", "name"), _OBSERVED)
def test_a_wrong_backend_over_stdio_is_named_as_in_process(spec: str, name: str) -> None:
    invariant = WRONG_BACKENDS[(spec, name)]
    backend = _over_stdio(spec, "--variant", name)
    try:
        result = _RUNNERS[spec](backend, examples=5, seed=0)
    finally:
        backend.close()
    assert not result.conformant and invariant in result.failure, result.failure


@pytest.mark.slow
@pytest.mark.parametrize(
    ("spec", "name"), [k for k in WRONG_BACKENDS if k[0] in ("epoch", "relay")]
)
def test_every_epoch_and_relay_wrong_backend_over_stdio(spec: str, name: str) -> None:
    """The default profile over stdio rejects each, naming its catalogue invariant."""
    invariant = WRONG_BACKENDS[(spec, name)]
    backend = _over_stdio(spec, "--variant", name)
    try:
        result = _RUNNERS[spec](backend, examples=100, seed=0, steps=25)
    finally:
        backend.close()
    assert not result.conformant and invariant in result.failure, result.failure


def test_a_backend_reporting_no_effects_is_no_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    """Without effects in its hello, what they show is not judged: exit 4, said on stderr;
    the same program with its effects conforms (exit 0). About 5 s, not marked slow:
    it is the one test of what an undeclared capability means for the verdict."""
    command = " ".join([*EXAMPLE, "--without", "effects"])
    assert main(["conform", "--backend", command, "--examples", "1"]) == 4
    err = capsys.readouterr().err
    assert f"SKIPPED {EFFECTS_UNREPORTED}: unsupported" in err
    assert "GCNoEffectOnDeny and GCChargeFirst were not judged" in err
    assert main(["conform", "--backend", " ".join(EXAMPLE), "--examples", "1"]) == 0


def test_a_wrong_backend_hiding_a_query_gets_no_verdict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """peer-only-lookup shows only in its channel lookups and in the other context's
    channel (the OtherContext query): without those queries it is not caught, and
    the skips are kept, which ``conform`` reports as no verdict (exit 4, as
    ``test_a_backend_reporting_no_effects_is_no_verdict`` shows)."""
    backend = _over_stdio(
        "epoch",
        "--variant",
        "peer-only-lookup",
        "--without",
        "ChannelLookups",
        "--without",
        "OtherContext",
    )
    try:
        result = run_epoch_conformance(backend, examples=1, seed=0)
    finally:
        backend.close()
    assert result.conformant
    assert set(backend.skipped) == {"ChannelLookups", "OtherContext"}


@pytest.mark.slow
def test_epoch_over_stdio_from_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    command = " ".join([*EXAMPLE, "--spec", "epoch"])
    assert main(["conform", "--spec", "epoch", "--backend", command, "--examples", "1"]) == 0
    assert "coverage epoch: actions" in capsys.readouterr().out
    wrong = f"{command} --variant unchecked-static-key"
    assert main(["conform", "--spec", "epoch", "--backend", wrong, "--examples", "1"]) == 1
    assert "violated: RVMembersOnly" in capsys.readouterr().out


class _Forging:
    """An in-process backend whose reports are rewritten: the states stay the
    reference's, the sends are changed by ``forge`` (as a program might lie)."""

    def __init__(self, spec: str, forge: Any) -> None:
        self._inner = reference_backend(spec)
        self.name: str = f"{spec}:forged"
        self.schema: StateSchema = self._inner.schema
        self._forge = forge

    def request(self, action: str, args: Mapping[str, Any], now: int) -> Reply:
        reply = self._inner.request(action, args, now)
        effects = reply.effects or ()
        return attrs.evolve(reply, effects=tuple(self._forge(e) for e in effects if e is not None))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def close(self) -> None:
        self._inner.close()


def _junk_bytes(effect: Any) -> Any:
    return (
        attrs.evolve(effect, data=b"\x01\x01" + bytes(len(effect.data))) if effect.data else effect
    )


def _no_sends(effect: Any) -> Any:
    return attrs.evolve(effect, kind="Nothing") if effect.kind == "Send" else effect


def _other_sender(effect: Any) -> Any:
    """Every effect of a1 said to be a2's and the other way round."""
    swap = {"a1": "a2", "a2": "a1"}
    return attrs.evolve(effect, by=swap.get(effect.by, effect.by))


@pytest.mark.parametrize(
    ("spec", "forge", "said"),
    [
        ("epoch", _other_sender, "was sent by a2, not its src"),
        ("relay", _other_sender, "was sent by a2"),
        ("epoch", _junk_bytes, "a reference responder does not answer it"),
        ("relay", _junk_bytes, "its bytes are no relay envelope"),
        ("epoch", _no_sends, "is in msgs, but no send of it was reported"),
        ("relay", _no_sends, "is in net, but no send of it was reported"),
    ],
)
def test_right_states_without_real_messages_fail(spec: str, forge: Any, said: str) -> None:
    """The reference's states, with message bytes that are no real message (or no
    send reported at all): not conformant, whatever the states say."""
    result = _RUNNERS[spec](_Forging(spec, forge), examples=3, seed=0)
    assert not result.conformant
    assert "WireReportedState" in result.failure and said in result.failure, result.failure
    # Found in the first directed schedule, and named after it (its program is reported).
    first = SPEC_HARNESSES[spec].scenarios()[0]
    assert result.failure.startswith(f"scenario {first}: invariant: WireReportedState")


class _Answering(EpochStdioBackend):
    """The validation of EpochRotation's query answers, fed answers directly (the
    decoding of the answer line itself is tested with the protocol)."""

    def __init__(self, answers: dict[str, Any]) -> None:  # no process
        self.name = "answers"
        self.answers_given = answers

    def query(self, name: str, args: Mapping[str, Any] | None = None) -> Any:
        return self.answers_given[name]


_A1, _A2 = ModelValue("a1"), ModelValue("a2")
_FULL: dict[Any, frozenset[str]] = {
    (m, c): frozenset() for m in (_A1, _A2) for c in ("spec", "other")
}


def test_epoch_query_answers_must_cover_every_entry() -> None:
    ok = _Answering({"ChannelLookups": V.fn(_FULL), "NeedsRefresh": V.fn({_A1: True, _A2: False})})
    assert ok.channel_lookups() == {(m.name, c): None for m, c in _FULL}
    assert ok.needs_refresh() == {"a1": True, "a2": False}
    partial = dict(list(_FULL.items())[:3])
    for lookups, said in [
        (V.fn(partial), "every member in both contexts"),
        (V.fn({**_FULL, (_A1, "spec"): frozenset({"spec", "other"})}), "at most one"),
        (V.fn({**_FULL, (_A1, "third"): frozenset()}), "at most one"),
        (frozenset(), "must be a #map"),
    ]:
        with pytest.raises(BackendProtocolError, match=said):
            _Answering({"ChannelLookups": lookups}).channel_lookups()
    for refresh in (V.fn({_A1: True}), V.fn({_A1: True, _A2: 1})):
        with pytest.raises(BackendProtocolError, match="every member to a boolean"):
            _Answering({"NeedsRefresh": refresh}).needs_refresh()
