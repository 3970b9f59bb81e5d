"""Hypothesis strategies for the core's values."""

from __future__ import annotations

from aura_rendezvous import (
    AuthorityId,
    ContextId,
    QuicDirect,
    QuicReflexive,
    RendezvousDescriptor,
    TcpDirect,
    TransportHint,
    WebSocketRelay,
)
from aura_rendezvous.core import U64_MAX
from hypothesis import strategies as st

ids32 = st.binary(min_size=32, max_size=32)
authority_ids = ids32.map(AuthorityId)
context_ids = ids32.map(ContextId)
addrs = st.text(min_size=1, max_size=40).filter(lambda s: len(s.encode()) <= 255)
u64s = st.one_of(
    st.integers(0, U64_MAX),
    st.sampled_from([0, 1, U64_MAX - 1, U64_MAX]),
)

hints: st.SearchStrategy[TransportHint] = st.one_of(
    addrs.map(QuicDirect),
    st.builds(QuicReflexive, addrs, addrs),
    authority_ids.map(WebSocketRelay),
    addrs.map(TcpDirect),
)


@st.composite
def descriptors(
    draw: st.DrawFn,
    context: st.SearchStrategy[ContextId] = context_ids,
    authority: st.SearchStrategy[AuthorityId] = authority_ids,
    times: st.SearchStrategy[int] = u64s,
    nonces: st.SearchStrategy[bytes] = ids32,
) -> RendezvousDescriptor:
    a, b = draw(times), draw(times)
    if a == b:
        b = a + 1 if a < U64_MAX else a - 1
    return RendezvousDescriptor(
        draw(authority),
        draw(context),
        draw(st.lists(hints, max_size=3)),
        draw(ids32),
        min(a, b),
        max(a, b),
        draw(nonces),
    )
