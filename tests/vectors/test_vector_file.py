"""The committed vector file is what the reference generates now, and it passes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import attrs
from aura_conformance.vectors import (
    OPERATIONS,
    Document,
    check_document,
    dumps_document,
    generate_document,
)

FAMILIES = {
    "key_schedule",
    "descriptor",
    "fact",
    "journal_entry",
    "sync",
    "receipt",
    "handshake",
    "transport",
    "relay_envelope",
}


def test_committed_file_is_a_fresh_generation(vector_file: Path) -> None:
    # Byte for byte: regenerate with `aura-verify vectors --write vectors/wire-formats.json`.
    assert vector_file.read_text(encoding="utf-8") == dumps_document(generate_document())


def test_generation_is_deterministic() -> None:
    assert dumps_document(generate_document()) == dumps_document(generate_document())


def test_the_reference_passes_every_committed_vector(
    committed: Document, vector_file: Path
) -> None:
    results = check_document(committed, source=str(vector_file))
    assert [r for r in results if not r.ok] == []
    assert len(results) == len(committed.vectors) > 200


def test_every_family_has_positive_and_negative_vectors(committed: Document) -> None:
    kinds = Counter((v.family, v.negative) for v in committed.vectors)
    assert {f for f, _ in kinds} == FAMILIES
    assert all(kinds[(f, True)] and kinds[(f, False)] for f in FAMILIES - {"key_schedule"})
    assert kinds[("key_schedule", False)]


def test_every_operation_has_a_vector(committed: Document) -> None:
    assert {v.operation for v in committed.vectors} == set(OPERATIONS)


def test_negative_vectors_name_a_typed_error_and_say_why(committed: Document) -> None:
    for v in committed.vectors:
        if v.negative:
            assert v.error and v.error[0].isupper() and v.why, v.id


def test_a_changed_output_fails_the_reference(committed: Document) -> None:
    # The checker's positive side can fail: one recorded byte changed.
    index = next(i for i, v in enumerate(committed.vectors) if v.id == "descriptor/one-hint/encode")
    vector = committed.vectors[index]
    assert vector.output is not None
    tampered = dict(vector.output)
    tampered["bytes"] = tampered["bytes"][:-2] + ("00" if tampered["bytes"][-2:] != "00" else "01")
    vectors = list(committed.vectors)
    vectors[index] = attrs.evolve(vector, output=tampered)
    results = check_document(Document(committed.keys, tuple(vectors)))
    assert [r.id for r in results if not r.ok] == ["descriptor/one-hint/encode"]
