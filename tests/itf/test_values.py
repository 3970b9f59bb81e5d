"""The ITF value codec: mapping table, variants vs records, big ints, errors with paths."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aura_model import itf
from hypothesis import given, settings
from hypothesis import strategies as st

from .strategies import json_values, values


def test_encode_every_kind_matches_apalache_writer_form() -> None:
    """Each Python kind encodes to the JSON form Apalache's ITF writer emits."""
    assert itf.encode_value(True) is True
    assert itf.encode_value(7) == {"#bigint": "7"}
    assert itf.encode_value(-(10**18)) == {"#bigint": "-1000000000000000000"}
    assert itf.encode_value("myStr") == "myStr"
    assert itf.encode_value([3, "a"]) == [{"#bigint": "3"}, "a"]
    assert itf.encode_value((7, "myStr")) == {"#tup": [{"#bigint": "7"}, "myStr"]}
    assert itf.encode_value({6, 5}) == {"#set": [{"#bigint": "5"}, {"#bigint": "6"}]}
    assert itf.encode_value({"foo": 3, "bar": True}) == {"foo": {"#bigint": "3"}, "bar": True}
    assert itf.encode_value(itf.ItfMap([(2, "b"), (1, "a")])) == {
        "#map": [[{"#bigint": "1"}, "a"], [{"#bigint": "2"}, "b"]]
    }
    assert itf.encode_value(itf.ItfMap([])) == {"#map": []}
    assert itf.encode_value(itf.Variant("Some", 3)) == {"tag": "Some", "value": {"#bigint": "3"}}
    assert itf.encode_value(itf.Unserializable("Nat")) == {"#unserializable": "Nat"}


def test_sets_sort_canonically_numeric_not_lexicographic() -> None:
    """Set elements come out in one canonical order: integers numerically, negatives first."""
    encoded = itf.encode_value(frozenset({10, 9, -100, -2, 0}))
    assert encoded == {"#set": [{"#bigint": str(n)} for n in (-100, -2, 0, 9, 10)]}
    mixed = itf.encode_value(frozenset({"b", 1, False, "a"}))
    assert mixed == {"#set": [False, {"#bigint": "1"}, "a", "b"]}


def test_variant_needs_exactly_tag_and_value() -> None:
    """``{"tag","value"}`` is a variant; a record that merely has a ``tag`` field is a record."""
    assert itf.decode_value({"tag": "None", "value": {}}) == itf.Variant("None", itf.Record())
    some = itf.decode_value({"tag": "Some", "value": {"#bigint": "3"}})
    assert some == itf.Variant("Some", 3)
    record = itf.decode_value({"tag": "send", "sender": "Alice"})
    assert isinstance(record, itf.Record)
    assert record == {"tag": "send", "sender": "Alice"}
    three = itf.decode_value({"tag": "x", "value": True, "extra": "y"})
    assert isinstance(three, itf.Record)


def test_record_that_would_read_back_as_variant_is_refused() -> None:
    """Encoding a dict with exactly ``tag``/``value`` fields would lose its kind: refused."""
    with pytest.raises(itf.ItfError, match="variant") as info:
        itf.encode_value([{"tag": "A", "value": 1}])
    assert info.value.path == "$[0]"


def test_big_integers_are_exact() -> None:
    """Integers far beyond 2^53 (here about 2^255) survive both directions exactly."""
    big = 2**255 - 1
    assert itf.decode_value({"#bigint": str(big)}) == big
    assert itf.decode_value(itf.encode_value(-big)) == -big


@pytest.mark.parametrize(
    "bad",
    [{"#bigint": "+1"}, {"#bigint": "01"}, {"#bigint": "1.0"}, {"#bigint": " 1"}, {"#bigint": 1}],
)
def test_malformed_bigint_is_an_error(bad: object) -> None:
    """``#bigint`` holds a canonical decimal string and nothing else."""
    with pytest.raises(itf.ItfError, match="#bigint") as info:
        itf.decode_value({"x": bad})
    assert info.value.path == "$.x.#bigint"


def test_plain_integers_strict_vs_lenient() -> None:
    """Legacy plain-number ints: a clear error in strict mode, accepted in lenient mode."""
    with pytest.raises(itf.ItfError, match="lenient=True") as info:
        itf.decode_value({"#set": [{"#bigint": "1"}, 2]}, where="$.states[3].x")
    assert info.value.path == "$.states[3].x.#set[1]"
    assert str(info.value) == info.value.path + ": " + info.value.reason
    assert itf.decode_value({"#set": [{"#bigint": "1"}, 2]}, lenient=True) == frozenset({1, 2})
    # Lenient mode also collapses repeated set elements that strict mode refuses.
    assert itf.decode_value({"#set": ["a", "a"]}, lenient=True) == frozenset({"a"})


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        (1.5, "floats"),
        (None, "null"),
        ({"#set": [], "#tup": []}, "neither"),
        ({"#meta": {}}, "neither"),
        ({"#tup": "ab"}, "JSON list"),
        ({"#map": [[1]]}, "[key, value]"),
        ({"#map": [["a", "x"], ["a", "y"]]}, "duplicate key"),
        ({"#set": ["a", "a"]}, "twice"),
        ({"#set": [True, {"#bigint": "1"}]}, "Python treats as equal"),
        ({"#unserializable": 3}, "string"),
        ({"tag": 3, "value": 1}, "tag"),
    ],
)
def test_invalid_values_raise_typed_errors(doc: object, fragment: str) -> None:
    """Each kind of malformed value raises ItfError (strict mode) naming the problem."""
    with pytest.raises(itf.ItfError, match=fragment):
        itf.decode_value(doc)


@pytest.mark.parametrize("value", [1.5, None, b"x", {1: "a"}, {"#x": 1}, object()])
def test_unencodable_values_raise_typed_errors(value: object) -> None:
    """Values ITF cannot hold are refused with ItfError, never written half-way."""
    with pytest.raises(itf.ItfError):
        itf.encode_value({"v": [value]})


def test_decoded_values_are_hashable_and_immutable() -> None:
    """Sets of records and maps keyed by tuples work because decoded values hash."""
    doc = {"#set": [{"a": [{"#bigint": "1"}]}, {"#map": [[{"#tup": ["x", True]}, "v"]]}]}
    value = itf.decode_value(doc)
    assert len(value) == 2
    assert hash(value) == hash(itf.decode_value(doc))
    record = itf.decode_value({"a": True})
    with pytest.raises(AttributeError):
        record.a = 1
    with pytest.raises(TypeError):
        record["a"] = 1


def test_map_keys_distinguish_bool_from_int() -> None:
    """``True`` and ``1`` are equal in Python but distinct ITF keys; lookup keeps them apart."""
    m = itf.ItfMap([(True, "bool"), (1, "int")])
    assert m[True] == "bool"
    assert m[1] == "int"
    assert 2 not in m
    assert itf.ItfMap({"b": 1, "a": 2}) == itf.ItfMap([("a", 2), ("b", 1)])


def test_sequences_equal_lists_not_tuples() -> None:
    """A decoded sequence equals the list it came from and differs from a ``#tup``."""
    seq = itf.decode_value([{"#bigint": "1"}, "a"])
    tup = itf.decode_value({"#tup": [{"#bigint": "1"}, "a"]})
    assert seq == [1, "a"]
    assert tup == (1, "a")
    assert seq != tup


def test_non_ascii_preserved() -> None:
    """Non-ASCII text (``→``) survives encode, JSON text and decode."""
    text = json.dumps(itf.encode_value(itf.Unserializable("[BOOLEAN → Int]")), ensure_ascii=False)
    assert "→" in text
    assert itf.decode_value(json.loads(text)) == itf.Unserializable("[BOOLEAN → Int]")


def test_deep_nesting_is_a_typed_error() -> None:
    """A value nested thousands deep is refused with ItfError, not a RecursionError."""
    doc: Any = "x"
    for _ in range(5000):
        doc = [doc]
    with pytest.raises(itf.ItfError, match="deep"):
        itf.decode_value(doc)


@settings(max_examples=300, deadline=None)
@given(values)
def test_round_trip(value: Any) -> None:
    """decode(encode(v)) == v for every value built from the ITF kinds, via JSON text too."""
    encoded = itf.encode_value(value)
    assert itf.decode_value(encoded) == value
    assert itf.decode_value(json.loads(json.dumps(encoded))) == value
    # Encoding is canonical: the decoded value encodes to the same JSON.
    assert itf.encode_value(itf.decode_value(encoded)) == encoded


@settings(max_examples=500, deadline=None)
@given(json_values, st.booleans())
def test_decoder_fuzz_only_itf_errors(doc: Any, lenient: bool) -> None:
    """Arbitrary JSON either decodes (and then re-encodes and reloads equal) or raises ItfError."""
    try:
        value = itf.decode_value(doc, lenient=lenient)
    except itf.ItfError:
        return
    try:
        reencoded = itf.encode_value(value)
    except itf.ItfError:
        # Only a {"tag","value"} record nested in a decoded variant would be refused; it cannot
        # be produced by decoding, so reaching here is a bug.
        raise
    assert itf.decode_value(reencoded) == value


def test_decoded_values_pickle_and_deepcopy() -> None:
    """Decoded values survive pickle and deepcopy (xdist workers, caches) unchanged."""
    import copy
    import pickle

    doc = {
        "r": {"s": [{"#bigint": "1"}], "m": {"#map": [["k", {"#set": ["a"]}]]}},
        "v": {"tag": "Some", "value": {"#tup": [True, "x"]}},
    }
    value = itf.decode_value(doc)
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.deepcopy(value) == value
    assert pickle.loads(pickle.dumps(value))["r"]["m"]["k"] == frozenset({"a"})


def test_map_lookup_and_missing_keys() -> None:
    """ItfMap looks up structured keys (records equal to dicts) and raises KeyError otherwise."""
    m = itf.ItfMap([({"a": 1}, "rec"), ((1, 2), "tup")])
    assert m[{"a": 1}] == "rec"
    assert m[itf.Record({"a": 1})] == "rec"
    assert m[(1, 2)] == "tup"
    assert m.get([1, 2]) is None  # a sequence is not the tuple key
    assert m.get(1.5, "none") == "none"  # unencodable: simply absent
    with pytest.raises(KeyError):
        m[(2, 1)]
    with pytest.raises(ValueError, match="duplicate key"):
        itf.ItfMap([("k", 1), ("k", 2)])


def test_meta_must_be_json() -> None:
    """A non-JSON ``#meta`` given to dump_trace is an ItfError at ``$.#meta``."""
    with pytest.raises(itf.ItfError, match="plain JSON") as info:
        itf.dump_trace([{"x": 1}], ["x"], meta={"when": {1, 2}})
    assert info.value.path == "$.#meta"
