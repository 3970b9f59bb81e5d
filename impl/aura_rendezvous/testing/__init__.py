"""Deliberately broken variants of the core, for tests and conformance ("buggy backends")."""

from aura_rendezvous.testing._variants import (
    ChargeAfterAppendInterpreter,
    DoubleChargeInterpreter,
    LastArrivedJournal,
    LastArrivedService,
    NoRollbackInterpreter,
    PublicIdMembership,
    RevocationIgnoringService,
    SkippingReceiptVerifier,
    choose_any_context,
    choose_ignoring_revocation,
    choose_last_arrived,
    is_valid_inclusive,
)

__all__ = [
    "ChargeAfterAppendInterpreter",
    "DoubleChargeInterpreter",
    "LastArrivedJournal",
    "LastArrivedService",
    "NoRollbackInterpreter",
    "PublicIdMembership",
    "RevocationIgnoringService",
    "SkippingReceiptVerifier",
    "choose_any_context",
    "choose_ignoring_revocation",
    "choose_last_arrived",
    "is_valid_inclusive",
]
