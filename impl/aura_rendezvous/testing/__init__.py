"""Deliberately broken variants of the core, for tests and conformance ("buggy backends")."""

from aura_rendezvous.testing._variants import (
    ChargeAfterAppendInterpreter,
    DoubleChargeInterpreter,
    LastArrivedJournal,
    LastArrivedService,
    NoRollbackInterpreter,
    PublicIdMembership,
    RevocationIgnoringService,
    SkippingReceiptVerifier,
    answer_digest_fact_ids,
    choose_any_context,
    choose_ignoring_revocation,
    choose_last_arrived,
    is_valid_inclusive,
    make_digest_fact_ids,
)

__all__ = [
    "ChargeAfterAppendInterpreter",
    "DoubleChargeInterpreter",
    "LastArrivedJournal",
    "LastArrivedService",
    "NoRollbackInterpreter",
    "PublicIdMembership",
    "RevocationIgnoringService",
    "SkippingReceiptVerifier",
    "answer_digest_fact_ids",
    "choose_any_context",
    "choose_ignoring_revocation",
    "choose_last_arrived",
    "is_valid_inclusive",
    "make_digest_fact_ids",
]

# The channel layer's broken variants (docs/channels.md), appended by its owner.
from aura_rendezvous._channel_variants import (
    EagerResponder,
    ForgetfulReplayGuard,
    KeepReplacedChannelManager,
    NoReplayChannelManager,
    PeerOnlyChannelManager,
    RotateInPlaceChannelManager,
    TimeoutIgnoringHandshaker,
    derive_channel_id_unbound,
    rotate_in_place,
    trusting_roster,
)

__all__ += [
    "EagerResponder",
    "ForgetfulReplayGuard",
    "KeepReplacedChannelManager",
    "NoReplayChannelManager",
    "PeerOnlyChannelManager",
    "RotateInPlaceChannelManager",
    "TimeoutIgnoringHandshaker",
    "derive_channel_id_unbound",
    "rotate_in_place",
    "trusting_roster",
]
