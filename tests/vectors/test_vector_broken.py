"""Every deliberately broken codec fails the vectors meant to catch it, and only the
reference passes them all: the vectors can fail."""

from __future__ import annotations

import pytest
from aura_conformance.vectors import Document, check_document
from aura_conformance.vectors.broken import BROKEN_CODECS


@pytest.mark.parametrize("name", sorted(BROKEN_CODECS))
def test_broken_codec_fails_its_vectors(committed: Document, name: str) -> None:
    broken = BROKEN_CODECS[name]
    failed = {r.id: r.detail for r in check_document(committed, broken.factory) if not r.ok}
    assert set(broken.expected) <= set(failed), f"{name} slipped through: {failed}"
    # The failures are in the family the codec breaks (a broken check does not
    # make unrelated vectors fail).
    assert {i.split("/")[0] for i in failed} <= {broken.family, *broken.also}


def test_every_family_has_a_broken_counterpart(committed: Document) -> None:
    assert {b.family for b in BROKEN_CODECS.values()} == {v.family for v in committed.vectors}
