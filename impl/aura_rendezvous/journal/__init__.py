"""The per-context journal and its sync (seed 4.1 and 6, DESIGN.md 3): rendezvous
facts, the grow-only journal with Lamport order, the descriptor cache derived
from it, and anti-entropy sync messages.

Imports ``aura_rendezvous.core`` and ``aura_rendezvous.descriptors``.
"""

from aura_rendezvous.journal._cache import DescriptorCache, derive_descriptor_cache
from aura_rendezvous.journal._facts import (
    LABEL_FACT_ID,
    LABEL_REVOCATION_SIGNATURE,
    MAX_FACT_LEN,
    ChannelEstablished,
    DescriptorFact,
    DescriptorRevoked,
    RendezvousFact,
    decode_fact,
    encode_fact,
    fact_context,
    fact_id,
    revoke_descriptor,
    verify_revocation,
)
from aura_rendezvous.journal._journal import (
    LABEL_ENTRY_ID,
    MAX_ENTRY_LEN,
    AppendToken,
    ContextJournal,
    JournalEntry,
)
from aura_rendezvous.journal._prune import below_horizon, prune_journal
from aura_rendezvous.journal._sync import (
    LABEL_RANGE_FINGERPRINT,
    MAX_ANSWER_ENTRIES,
    MAX_RANGE_IDS,
    MAX_SYNC_ENTRIES,
    MAX_SYNC_IDS,
    MAX_SYNC_RANGES,
    ROOT_RANGE,
    IdRange,
    RangeDigest,
    SyncDigest,
    SyncFacts,
    SyncMessage,
    answer_digest,
    apply_sync_facts,
    decode_sync_message,
    follow_up_ranges,
    make_digest,
    make_digests,
)

__all__ = [
    "LABEL_ENTRY_ID",
    "LABEL_FACT_ID",
    "LABEL_RANGE_FINGERPRINT",
    "LABEL_REVOCATION_SIGNATURE",
    "MAX_ANSWER_ENTRIES",
    "MAX_ENTRY_LEN",
    "MAX_FACT_LEN",
    "MAX_RANGE_IDS",
    "MAX_SYNC_ENTRIES",
    "MAX_SYNC_IDS",
    "MAX_SYNC_RANGES",
    "ROOT_RANGE",
    "AppendToken",
    "ChannelEstablished",
    "ContextJournal",
    "DescriptorCache",
    "DescriptorFact",
    "DescriptorRevoked",
    "IdRange",
    "JournalEntry",
    "RangeDigest",
    "RendezvousFact",
    "SyncDigest",
    "SyncFacts",
    "SyncMessage",
    "answer_digest",
    "apply_sync_facts",
    "below_horizon",
    "decode_fact",
    "decode_sync_message",
    "derive_descriptor_cache",
    "encode_fact",
    "fact_context",
    "fact_id",
    "follow_up_ranges",
    "make_digest",
    "make_digests",
    "prune_journal",
    "revoke_descriptor",
    "verify_revocation",
]
