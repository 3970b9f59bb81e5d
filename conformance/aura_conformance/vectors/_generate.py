"""Generate the whole document: every family's vectors, from the fixed key material."""

from __future__ import annotations

from aura_conformance.vectors._build import Builder
from aura_conformance.vectors._codec import ReferenceCodec
from aura_conformance.vectors._document import Document
from aura_conformance.vectors._gen_channels import channel_vectors
from aura_conformance.vectors._gen_descriptors import descriptor_vectors
from aura_conformance.vectors._gen_journal import journal_vectors
from aura_conformance.vectors._gen_keys import key_schedule_vectors
from aura_conformance.vectors._gen_receipts import receipt_vectors
from aura_conformance.vectors._gen_relay import relay_vectors
from aura_conformance.vectors._gen_sync import sync_vectors
from aura_conformance.vectors._keys import KeyRing, keys_section

__all__ = ["generate_document"]


def generate_document() -> Document:
    """The vectors as the reference produces them now (byte-identical on every run)."""
    section = keys_section()
    codec = ReferenceCodec(KeyRing.from_section(section))
    vectors = [
        *key_schedule_vectors(Builder(codec, "key_schedule")),
        *descriptor_vectors(codec),
        *journal_vectors(codec),
        *sync_vectors(codec),
        *receipt_vectors(codec),
        *channel_vectors(codec),
        *relay_vectors(codec),
    ]
    return Document(section, tuple(vectors))
