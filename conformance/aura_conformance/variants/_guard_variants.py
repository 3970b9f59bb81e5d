"""Today's guard-chain shortfalls, kept as named wrong backends.

- :class:`ChainPerSourceIssuer`: the receipt issuer as it was, numbering and
  chaining an authority's receipts per ``(context, epoch)`` across all
  destinations, so a peer's receipt links to one sent elsewhere (a publish
  receipt to oneself, a connect to another peer) and the peer's verifier
  refuses it with ``ReceiptChainBroken`` (GuardChain ``GCReceiptVerifiable``).
- :class:`EagerChannelService`: ``prepare_establish_channel`` as it was,
  starting the handshake (and advancing the handshake clock) while the outcome
  is being prepared, before anything is charged, so a denied or rolled-back
  outcome keeps it (GuardChain ``GCChannelStateAtomic``).
- :class:`StrictChainVerifier`: the receipt verifier as it was, requiring every
  receipt to link to the last accepted one, so after one lost message (and its
  receipt) every later receipt of the pair is ``ReceiptChainBroken`` until the
  epoch ends (GuardChain ``GCReceiptResumesAfterLoss``).
"""

from __future__ import annotations

from aura_rendezvous.channels import ChannelEndpoint
from aura_rendezvous.core import (
    U64_MAX,
    AuthorityId,
    AuthorityKeys,
    ContextId,
    ContextMembership,
    LocalProtocolError,
    ReceiptChainBroken,
    ValueRangeError,
    check_u32,
    check_u64,
)
from aura_rendezvous.guard import (
    GENESIS_HASH,
    LABEL_RECEIPT_SIGNATURE,
    EffectCommand,
    Receipt,
    ReceiptToken,
    ReceiptVerifier,
    chain_hash,
    check_operation,
    encode_signed,
    receipt_body,
)

__all__ = ["ChainPerSourceIssuer", "EagerChannelService", "StrictChainVerifier", "endpoint_clock"]


class ChainPerSourceIssuer:
    """``src``'s receipt state: last nonce and hash per ``(context, epoch)``."""

    def __init__(self, keys: AuthorityKeys) -> None:
        self._keys = keys
        self._last: dict[tuple[ContextId, int], tuple[int, bytes]] = {}
        self.issued: list[Receipt] = []

    def issue(
        self, operation: str, context_id: ContextId, dst: AuthorityId, epoch: int, cost: int
    ) -> tuple[Receipt, ReceiptToken]:
        key = (context_id, check_u64("epoch", epoch))
        previous = self._last.get(key)
        last_nonce, prev_hash = previous if previous is not None else (0, GENESIS_HASH)
        if last_nonce == U64_MAX:
            raise ValueRangeError("receipt nonces of this epoch are exhausted")
        if not isinstance(context_id, ContextId) or not isinstance(dst, AuthorityId):
            raise LocalProtocolError("receipt needs a ContextId and an AuthorityId")
        src = self._keys.authority_id
        nonce = last_nonce + 1
        body = receipt_body(
            check_operation(operation),
            context_id=context_id,
            src=src,
            dst=dst,
            epoch=epoch,
            cost=check_u32("cost", cost),
            nonce=nonce,
            prev_hash=prev_hash,
        )
        signature = self._keys.sign(LABEL_RECEIPT_SIGNATURE + body)
        receipt = Receipt(operation, context_id, src, dst, epoch, cost, nonce, prev_hash, signature)
        self._last[key] = (nonce, chain_hash(encode_signed(body, signature)))
        self.issued.append(receipt)
        # The token's key had two fields then; undo only reads it back.
        return receipt, ReceiptToken(key, previous)  # type: ignore[arg-type]

    def undo(self, token: ReceiptToken) -> None:
        key: tuple[ContextId, int] = token.key  # type: ignore[assignment]
        if token.previous is None:
            del self._last[key]
        else:
            self._last[key] = token.previous
        self.issued.pop()


class EagerChannelService:
    """Starts the handshake inside ``prepare``: no channel effect, the change is done."""

    def prepare(
        self,
        endpoint: ChannelEndpoint,
        membership: ContextMembership,
        epoch: int,
        peer: AuthorityId,
        *,
        psk: bytes,
        now_ms: int,
    ) -> tuple[list[EffectCommand], int]:
        endpoint.start(membership, epoch, peer, psk, now_ms)
        return [], endpoint_clock(endpoint)


def endpoint_clock(endpoint: ChannelEndpoint) -> int:
    """The timestamp of the endpoint's last started handshake (its handshake clock)."""
    return endpoint._last_timestamp  # the clock has no public reader


class StrictChainVerifier(ReceiptVerifier):
    """Every receipt must link to the last accepted one of its stream, even after a
    nonce gap: a lost receipt is never accepted, so the sender's next ones never link."""

    def check(self, receipt: Receipt, current_epoch: int) -> None:
        super().check(receipt, current_epoch)
        previous = self._last.get((receipt.src, receipt.epoch))
        expected = previous[1] if previous is not None else GENESIS_HASH
        if receipt.prev_hash != expected:
            raise ReceiptChainBroken("receipt does not link to the last accepted one")
