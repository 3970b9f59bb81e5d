"""Anti-entropy sync between two replicas at 1k, 10k and 100k journal entries.

Measured in one run, same process, through the service's sync API as deployed:
every message sealed under the context's sync key and signed by its sender,
every received entry checked (stamp bound, author's signature: a descriptor is
opened and verified) before it is merged. Entries are real descriptor facts
(built, Ed25519-signed and sealed), the facts a context accumulates with
one-hour descriptors.

For each size, two rows:

- ``from empty``: a replica with no entries pulls the whole journal;
- ``small difference``: two replicas that agree on all but 10 entries on each
  side pull from each other (both directions).

Columns: wall time, rounds (digest pages sent in turn, answers applied,
follow-up pages), messages, bytes on the wire (sealed messages both ways),
entries moved, and the largest message. Today's digest listed every entry id
(32 bytes each, one message) and was refused past 4,096 entries: that column
says what it would have done.

Run: ``make bench`` or ``.venv/bin/python bench/bench_sync.py [max_size]``.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Sequence

import attrs
from aura_rendezvous import (
    AuthorityId,
    AuthorityKeys,
    ContextId,
    ContextMembership,
    DescriptorFact,
    QuicDirect,
    RendezvousConfig,
    RendezvousService,
    Roster,
)
from aura_rendezvous.descriptors import build_descriptor, seal_descriptor, sign_descriptor
from aura_rendezvous.journal import MAX_SYNC_IDS, SealedSyncMessage

SIZES = (1_000, 10_000, 100_000)
DIFFERENCE = 10
HOUR_MS = 3_600_000


def _h(label: str) -> bytes:
    return hashlib.sha256(b"bench-sync/" + label.encode()).digest()


CTX = ContextId(_h("context"))
NAMES = ("alice", "bob", "carol")
KEYS = {n: AuthorityKeys.from_seed(AuthorityId(_h(n)), _h("key" + n)) for n in NAMES}
MEMBERSHIP = ContextMembership(CTX, Roster.of(*KEYS.values()), _h("root"))


def make_facts(n: int) -> list[tuple[DescriptorFact, AuthorityId]]:
    """``n`` distinct descriptor facts, published in turn by the three members."""
    out = []
    for i in range(n):
        keys = KEYS[NAMES[i % len(NAMES)]]
        d = build_descriptor(
            keys.authority_id,
            CTX,
            transport_hints=[QuicDirect(f"10.0.{i // 250 % 250}.{i % 250}:4433")],
            handshake_psk_commitment=_h(f"psk{i}"),
            now_ms=i * 60_000,
            validity_ms=HOUR_MS,
            nonce=i.to_bytes(32, "big"),
        )
        sealed = seal_descriptor(sign_descriptor(d, keys), MEMBERSHIP, 0)
        out.append((DescriptorFact(sealed), keys.authority_id))
    return out


def service(name: str) -> RendezvousService:
    keys = KEYS[name]
    config = RendezvousConfig(keys, (MEMBERSHIP,), bytes)
    return RendezvousService.new(keys.authority_id, config)


def load(svc: RendezvousService, facts: Sequence[tuple[DescriptorFact, AuthorityId]]) -> None:
    journal = svc.journal(CTX)
    for fact, origin in facts:
        journal.append(fact, origin)


@attrs.define
class Tally:
    rounds: int = 0
    messages: int = 0
    bytes: int = 0
    largest: int = 0
    moved: int = 0

    def wire(self, message: SealedSyncMessage) -> None:
        size = len(message.encode())
        self.messages += 1
        self.bytes += size
        self.largest = max(self.largest, size)


def pull(puller: RendezvousService, answerer: RendezvousService, tally: Tally) -> None:
    """One complete pull of ``puller`` from ``answerer``."""
    pages: tuple[SealedSyncMessage, ...] = (puller.sync_digest(CTX, epoch=0),)
    while pages:
        tally.rounds += 1
        answers = []
        for page in pages:
            tally.wire(page)
            for answer in answerer.answer_sync(page):
                tally.wire(answer)
                tally.moved += puller.apply_sync(answer)
                answers.append(answer)
        pages = puller.sync_follow_up(CTX, answers, epoch=0)


def today(n: int) -> str:
    if n > MAX_SYNC_IDS:
        return f"stops (digest refused past {MAX_SYNC_IDS})"
    return f"1 digest of {70 + 32 * n:,} B"


def measure(facts: Sequence[tuple[DescriptorFact, AuthorityId]], n: int) -> list[str]:
    rows = []
    a, b = service("alice"), service("bob")
    load(b, facts[:n])
    tally = Tally()
    t0 = time.perf_counter()
    pull(a, b, tally)
    seconds = time.perf_counter() - t0
    assert a.journal(CTX).state() == b.journal(CTX).state() and tally.moved == n
    rows.append(row(n, "from empty", seconds, tally, today(n)))

    # Both replicas now hold the first n - DIFFERENCE; each gets DIFFERENCE of its own.
    a, b = service("alice"), service("bob")
    common = facts[: n - DIFFERENCE]
    load(a, common)
    load(b, common)
    load(a, facts[n : n + DIFFERENCE])
    load(b, facts[n + DIFFERENCE : n + 2 * DIFFERENCE])
    tally = Tally()
    t0 = time.perf_counter()
    pull(a, b, tally)
    pull(b, a, tally)
    seconds = time.perf_counter() - t0
    assert a.journal(CTX).state() == b.journal(CTX).state()
    assert tally.moved == 2 * DIFFERENCE
    rows.append(row(n, "small difference", seconds, tally, today(n)))
    return rows


def row(n: int, case: str, seconds: float, t: Tally, then: str) -> str:
    return (
        f"| {n:>7,} | {case:<16} | {seconds:>8.2f} s | {t.rounds:>6} | {t.messages:>8,} "
        f"| {t.bytes:>13,} | {t.largest:>9,} | {t.moved:>7,} | {then} |"
    )


def main(argv: list[str]) -> int:
    top = int(argv[1]) if len(argv) > 1 else SIZES[-1]
    sizes = [n for n in SIZES if n <= top] or [top]
    t0 = time.perf_counter()
    facts = make_facts(max(sizes) + 2 * DIFFERENCE)
    print(f"built {len(facts):,} sealed descriptor facts in {time.perf_counter() - t0:.1f} s")
    print(
        "| entries | case             |     time | rounds | messages |   bytes (both) "
        "| largest B |   moved | today's digest |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for n in sizes:
        for line in measure(facts, n):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
