"""A malformed vector file is a clear error that says where (exit 2 on the command
line), never a traceback; a failing vector is exit 1."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from aura_conformance.vectors import (
    Document,
    ReferenceCodec,
    VectorFileError,
    check_document,
    load_document,
)


def _index(raw: dict[str, Any], vector_id: str) -> int:
    return next(i for i, v in enumerate(raw["vectors"]) if v["id"] == vector_id)


def _broken(raw: dict[str, Any], change: str) -> dict[str, Any]:
    doc = copy.deepcopy(raw)
    i = _index(doc, "receipt/verify/chain")
    if change == "unknown-operation":
        doc["vectors"][i]["operation"] = "receipt.teleport"
    elif change == "both":
        doc["vectors"][i]["error"] = "DecodeError"
    elif change == "duplicate-id":
        doc["vectors"][i + 1]["id"] = doc["vectors"][i]["id"]
    elif change == "bad-key-hex":
        doc["keys"]["authorities"]["bob"]["seed"] = "xyz"
    elif change == "unknown-roster-member":
        doc["keys"]["contexts"]["ctx_a"]["roster"].append("eve")
    elif change == "version":
        doc["version"] = 2
    elif change == "missing-input-field":
        del doc["vectors"][i]["input"]["receipts"]
    return doc


CASES = {
    "unknown-operation": "$.vectors[{i}].operation",
    "both": "$.vectors[{i}]",
    "duplicate-id": "$.vectors[{j}].id",
    "bad-key-hex": "$.keys.authorities.bob.seed",
    "unknown-roster-member": "$.keys.contexts.ctx_a.roster[3]",
    "version": "$.version",
    "missing-input-field": "$.vectors[{i}].input",
}


@pytest.mark.parametrize("change", sorted(CASES))
def test_malformed_document_names_where(raw: dict[str, Any], change: str) -> None:
    i = _index(raw, "receipt/verify/chain")
    where = CASES[change].format(i=i, j=i + 1)
    with pytest.raises(VectorFileError) as caught:
        check_document(load_document(_broken(raw, change), "bad.json"), source="bad.json")
    assert caught.value.where == where
    assert str(caught.value).startswith(f"bad.json: {where}: ")


def test_not_json_names_the_line() -> None:
    with pytest.raises(VectorFileError, match=r"line 2, column"):
        load_document('{"format":\n  nope}')


class _CrashingCodec(ReferenceCodec):
    """Crashes with an untyped error on receipts: its fault, not the file's."""

    def receipt_verify(self, d: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("oops")


def test_a_codec_crash_is_a_failure_not_a_file_error(committed: Document) -> None:
    results = check_document(committed, _CrashingCodec)
    failed = {r.id: r.detail for r in results if not r.ok}
    assert set(failed) == {v.id for v in committed.vectors if v.operation == "receipt.verify"}
    assert all(d.startswith("raised an untyped KeyError") for d in failed.values())
