"""Deliberately broken variants of ``aura_rendezvous`` ("buggy backends").

Each reproduces a shortfall that DESIGN.md lists for the public code base (or
a rule of its sections 2-5), so the tests and the conformance harness can show
that their assertions catch it. They live here, outside the production
package, because nothing in the reference implementation may use them.
"""

from aura_conformance.variants._channel_variants import (
    EagerReplayGuard,
    EagerResponder,
    EpochBlindReplayGuard,
    ForgetfulReplayGuard,
    FragilePendingManager,
    KeepReplacedChannelManager,
    NoReplayChannelManager,
    PeerOnlyChannelManager,
    RotateInPlaceChannelManager,
    TimeoutIgnoringHandshaker,
    derive_channel_id_unbound,
    rotate_in_place,
    trusting_roster,
)
from aura_conformance.variants._core_variants import (
    CappedSyncService,
    ChargeAfterAppendInterpreter,
    DoubleChargeInterpreter,
    LastArrivedJournal,
    LastArrivedService,
    NoRollbackInterpreter,
    PublicIdMembership,
    RevocationIgnoringService,
    SelfClaimedSyncService,
    SkippingReceiptVerifier,
    UnboundedLamportJournal,
    UnboundedLamportService,
    UnsignedFactsService,
    answer_digest_fact_ids,
    capped_sync_service,
    choose_any_context,
    choose_ignoring_revocation,
    choose_last_arrived,
    clear_sync_message,
    is_valid_inclusive,
    make_digest_fact_ids,
    read_clear_sync_message,
)
from aura_conformance.variants._epoch_variants import (
    EpochBlindRefreshService,
    EpochJudgedUnknownChannelManager,
    LazyEpochService,
)
from aura_conformance.variants._guard_variants import (
    ChainPerSourceIssuer,
    EagerChannelService,
    endpoint_clock,
)
from aura_conformance.variants._relay_variants import (
    DirectConfirmationService,
    FirstRelayOnlyService,
    JunkForwardingRelayService,
)

__all__ = [
    "CappedSyncService",
    "ChainPerSourceIssuer",
    "ChargeAfterAppendInterpreter",
    "DirectConfirmationService",
    "DoubleChargeInterpreter",
    "EagerChannelService",
    "EagerReplayGuard",
    "EagerResponder",
    "EpochBlindRefreshService",
    "EpochBlindReplayGuard",
    "EpochJudgedUnknownChannelManager",
    "FirstRelayOnlyService",
    "ForgetfulReplayGuard",
    "FragilePendingManager",
    "JunkForwardingRelayService",
    "KeepReplacedChannelManager",
    "LastArrivedJournal",
    "LastArrivedService",
    "LazyEpochService",
    "NoReplayChannelManager",
    "NoRollbackInterpreter",
    "PeerOnlyChannelManager",
    "PublicIdMembership",
    "RevocationIgnoringService",
    "RotateInPlaceChannelManager",
    "SelfClaimedSyncService",
    "SkippingReceiptVerifier",
    "TimeoutIgnoringHandshaker",
    "UnboundedLamportJournal",
    "UnboundedLamportService",
    "UnsignedFactsService",
    "answer_digest_fact_ids",
    "capped_sync_service",
    "choose_any_context",
    "choose_ignoring_revocation",
    "choose_last_arrived",
    "clear_sync_message",
    "derive_channel_id_unbound",
    "endpoint_clock",
    "is_valid_inclusive",
    "make_digest_fact_ids",
    "read_clear_sync_message",
    "rotate_in_place",
    "trusting_roster",
]
