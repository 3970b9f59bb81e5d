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
from aura_rendezvous.journal._sync import (
    MAX_SYNC_ENTRIES,
    MAX_SYNC_IDS,
    SyncDigest,
    SyncFacts,
    SyncMessage,
    answer_digest,
    apply_sync_facts,
    decode_sync_message,
    make_digest,
)

__all__ = [
    "LABEL_ENTRY_ID",
    "LABEL_FACT_ID",
    "LABEL_REVOCATION_SIGNATURE",
    "MAX_ENTRY_LEN",
    "MAX_FACT_LEN",
    "MAX_SYNC_ENTRIES",
    "MAX_SYNC_IDS",
    "AppendToken",
    "ChannelEstablished",
    "ContextJournal",
    "DescriptorCache",
    "DescriptorFact",
    "DescriptorRevoked",
    "JournalEntry",
    "RendezvousFact",
    "SyncDigest",
    "SyncFacts",
    "SyncMessage",
    "answer_digest",
    "apply_sync_facts",
    "decode_fact",
    "decode_sync_message",
    "derive_descriptor_cache",
    "encode_fact",
    "fact_context",
    "fact_id",
    "make_digest",
    "revoke_descriptor",
    "verify_revocation",
]
