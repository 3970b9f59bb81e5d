"""The public surface of ``aura_rendezvous`` is pinned: the seed's API, its values and errors.

Adding or removing a public name is a deliberate change of this list; helpers
that only tests use are imported from their sub-package instead.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import aura_rendezvous
import pytest
from aura_rendezvous import AuraError, choreography

PUBLIC_API = [
    "Allowed",
    "AuraError",
    "AuthorityId",
    "AuthorityKeys",
    "BadSignature",
    "CAP_RELAY_FORWARD",
    "CAP_RENDEZVOUS_CONNECT",
    "CAP_RENDEZVOUS_PUBLISH",
    "CAP_RENDEZVOUS_RELAY",
    "CONNECT_DIRECT_COST",
    "CONNECT_RELAY_COST",
    "ChannelClosedError",
    "ChannelEstablished",
    "ChannelManager",
    "ChannelState",
    "ChargeFlowBudget",
    "ChoreographyViolation",
    "ContextId",
    "ContextJournal",
    "ContextMembership",
    "ContextMismatchError",
    "DESCRIPTOR_PUBLISH_COST",
    "DIRECT_LADDER",
    "DecodeError",
    "DecryptFailed",
    "Denied",
    "DenyReason",
    "DescriptorFact",
    "DescriptorRefreshDue",
    "DescriptorRevoked",
    "EffectCommand",
    "EffectInterpreter",
    "ExecutionResult",
    "ExecutionStatus",
    "FlowBudgetStore",
    "ForwardRelayEnvelope",
    "GuardDecision",
    "GuardOutcome",
    "GuardSnapshot",
    "HandshakeAuthError",
    "HandshakeConfig",
    "HandshakeRole",
    "HandshakeTimedOut",
    "HandshakeTimeout",
    "Handshaker",
    "IllegalTransition",
    "InsufficientBudgetError",
    "InvalidDescriptor",
    "JournalAppend",
    "LocalProtocolError",
    "NonMember",
    "NotAMember",
    "PeerInfo",
    "QuicDirect",
    "QuicReflexive",
    "RELAY_FORWARD_COST",
    "Receipt",
    "ReceiptChainBroken",
    "ReceiptError",
    "ReceiptIssuer",
    "ReceiptReplayed",
    "ReceiptVerifier",
    "ReceiptWrongContext",
    "ReceiptWrongEpoch",
    "ReceiptWrongSigner",
    "RecordForward",
    "RecordReceipt",
    "RelayEnvelope",
    "RemoteProtocolError",
    "RendezvousAdapter",
    "RendezvousConfig",
    "RendezvousDescriptor",
    "RendezvousFact",
    "RendezvousService",
    "ReplayedHandshake",
    "ReplayedMessage",
    "RetiredEpoch",
    "Roster",
    "RosterEntry",
    "SealedDescriptor",
    "SecureChannel",
    "SendEffect",
    "SendFailed",
    "SendHandshake",
    "SendHandshakeResponse",
    "SendRelayData",
    "SendRelayRequest",
    "SendRelayResponse",
    "SignedDescriptor",
    "StaticKeyMismatch",
    "SyncDigest",
    "SyncFacts",
    "TcpDirect",
    "TimerEvent",
    "TransportAuthError",
    "TransportHint",
    "UnknownChannel",
    "ValueRangeError",
    "WebSocketRelay",
    "WrongEpoch",
    "budget_allows",
    "build_window",
    "check_relayable",
    "choose_descriptor",
    "evaluate_guards",
    "is_valid_at",
    "needs_refresh_at",
    "nonce_accepts",
    "window_contains",
]
# The Noise layer is left out: its modules list primitives tables (CIPHERS, DHS...)
# that only its own tests use, and its __init__ is the Noise API (docs/noise.md).
SUB_PACKAGES = ["core", "descriptors", "journal", "guard", "channels", "choreography"]
PACKAGE = Path(aura_rendezvous.__file__).parent


def test_public_api_is_pinned() -> None:
    """``__all__`` is exactly the list above, each name once, each one resolving."""
    assert sorted(aura_rendezvous.__all__) == PUBLIC_API
    assert len(aura_rendezvous.__all__) == len(set(aura_rendezvous.__all__))
    assert all(hasattr(aura_rendezvous, name) for name in aura_rendezvous.__all__)
    assert not [name for name in aura_rendezvous.__all__ if name.startswith("_")]


def test_public_errors_form_one_family() -> None:
    """Every public exception derives from ``AuraError``."""
    errors = [
        value
        for value in (getattr(aura_rendezvous, name) for name in aura_rendezvous.__all__)
        if isinstance(value, type) and issubclass(value, BaseException)
    ]
    assert len(errors) > 25
    assert all(issubclass(error, AuraError) for error in errors)


def declared_all(path: Path) -> list[str]:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return list(ast.literal_eval(node.value))
    return []


@pytest.mark.parametrize("sub", SUB_PACKAGES)
def test_sub_package_reexports_its_modules(sub: str) -> None:
    """A sub-package's ``__all__`` holds every name its private modules list in
    ``__all__``, and each resolves to the defining module's object."""
    package = importlib.import_module(f"aura_rendezvous.{sub}")
    for path in sorted((PACKAGE / sub).glob("_*.py")):
        if path.name == "__init__.py":
            continue
        module = importlib.import_module(f"aura_rendezvous.{sub}.{path.stem}")
        names = declared_all(path)
        assert set(names) <= set(package.__all__), path.name
        assert all(getattr(package, n) is getattr(module, n) for n in names), path.name
    assert not [name for name in package.__all__ if name.startswith("_")]


def test_defining_modules_are_in_sub_packages() -> None:
    """Public classes are defined in the sub-package that names their layer."""
    assert aura_rendezvous.Handshaker.__module__ == "aura_rendezvous.channels._handshaker"
    assert aura_rendezvous.AuraError.__module__ == "aura_rendezvous.core._errors"
    assert aura_rendezvous.ContextJournal.__module__ == "aura_rendezvous.journal._journal"


def test_choreography_all_resolves() -> None:
    """Every name in ``aura_rendezvous.choreography.__all__`` exists."""
    assert all(hasattr(choreography, name) for name in choreography.__all__)
