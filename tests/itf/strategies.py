"""Hypothesis strategies for ITF values and arbitrary JSON (shared by the ITF tests)."""

from __future__ import annotations

from typing import Any

from aura_model import itf
from hypothesis import strategies as st

_names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6
).filter(lambda s: not s.startswith("#"))

scalars: st.SearchStrategy[Any] = st.one_of(
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**300), max_value=2**300),
    st.text(max_size=8),
)


def _records(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.dictionaries(_names, children, max_size=4).filter(
        lambda d: set(d) != {"tag", "value"}
    )


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    hashable_children = children  # every generated value is hashable except dict/list leaves
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.frozensets(hashable_children.filter(_hashable), max_size=4),
        st.lists(st.tuples(hashable_children.filter(_hashable), children), max_size=4)
        .map(_distinct_keys)
        .map(itf.ItfMap),
        _records(children),
        st.builds(itf.Variant, _names, children),
        st.builds(itf.Unserializable, st.text(max_size=8)),
    )


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _distinct_keys(pairs: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    seen: dict[str, tuple[Any, Any]] = {}
    for key, value in pairs:
        seen.setdefault(itf.canonical_key(key), (key, value))
    return list(seen.values())


# Plain Python values built from the ITF kinds (lists and dicts included).
values: st.SearchStrategy[Any] = st.recursive(scalars, _extend, max_leaves=12)

json_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=6),
        st.sampled_from(["#bigint", "#set", "#tup", "#map", "#unserializable", "tag", "value"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(
                st.sampled_from(
                    ["#bigint", "#set", "#tup", "#map", "#unserializable", "#meta", "tag", "value"]
                ),
                st.text(max_size=4),
            ),
            children,
            max_size=3,
        ),
    ),
    max_leaves=16,
)
