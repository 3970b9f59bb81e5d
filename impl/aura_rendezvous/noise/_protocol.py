"""Protocol names and the handshake pattern table.

Only the ``IK`` base pattern is in the table (it is all the rendezvous needs);
the ``pskN`` modifiers are applied to it by the rule of Noise section 9.2, so
``IKpsk2`` (production) and ``IKpsk0+psk2`` (snow vectors) come from the same
table. Any other name is a ``NoiseConfigError``, never a guess.
"""

from __future__ import annotations

import re
from typing import Final, Literal

import attrs

from aura_rendezvous.core import NoiseConfigError
from aura_rendezvous.noise._primitives import (
    CIPHERS,
    DHS,
    HASHES,
    CipherFunctions,
    DhFunctions,
    HashFunctions,
)

__all__ = ["NoiseProtocol", "Token"]

Token = Literal["e", "s", "ee", "es", "se", "ss", "psk"]

# (pre-messages of the initiator, pre-messages of the responder, message patterns).
# Even-indexed messages go initiator -> responder.
_BASE_PATTERNS: Final[
    dict[str, tuple[tuple[Token, ...], tuple[Token, ...], tuple[tuple[Token, ...], ...]]]
] = {
    "IK": ((), ("s",), (("e", "es", "s", "ss"), ("e", "ee", "se"))),
}

_NAME_RE: Final = re.compile(r"Noise_([A-Z]+)((?:psk\d+)(?:\+psk\d+)*)?_([^_]+)_([^_]+)_([^_]+)")


@attrs.frozen
class NoiseProtocol:
    """A parsed protocol name such as ``Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s``."""

    name: str
    base_pattern: str
    modifiers: tuple[str, ...]
    dh: DhFunctions = attrs.field(repr=False)
    cipher: CipherFunctions = attrs.field(repr=False)
    hash: HashFunctions = attrs.field(repr=False)
    initiator_pre_messages: tuple[Token, ...] = attrs.field(repr=False)
    responder_pre_messages: tuple[Token, ...] = attrs.field(repr=False)
    message_patterns: tuple[tuple[Token, ...], ...] = attrs.field(repr=False)

    @classmethod
    def parse(cls, name: str) -> NoiseProtocol:
        """Parse a full Noise protocol name; ``NoiseConfigError`` if it is not supported."""
        if not isinstance(name, str):
            raise NoiseConfigError(f"protocol name must be str, got {type(name).__name__}")
        m = _NAME_RE.fullmatch(name)
        if m is None:
            raise NoiseConfigError(f"not a Noise protocol name: {name!r}")
        base, mods, dh_name, cipher_name, hash_name = m.groups()
        if base not in _BASE_PATTERNS:
            raise NoiseConfigError(f"{name!r}: handshake pattern {base!r} is not supported")
        for table, part, what in (
            (DHS, dh_name, "DH"),
            (CIPHERS, cipher_name, "cipher"),
            (HASHES, hash_name, "hash"),
        ):
            if part not in table:
                raise NoiseConfigError(f"{name!r}: {what} function {part!r} is not supported")
        modifiers = tuple(mods.split("+")) if mods else ()
        init_pre, resp_pre, patterns = _BASE_PATTERNS[base]
        messages = [list(p) for p in patterns]
        seen: set[str] = set()
        for mod in modifiers:
            if mod in seen:
                raise NoiseConfigError(f"{name!r}: modifier {mod!r} repeated")
            seen.add(mod)
            index = int(mod[3:])
            if index > len(messages):
                raise NoiseConfigError(f"{name!r}: {mod} names a message the pattern lacks")
            # Section 9.2: psk0 opens the first message, pskN closes message N.
            if index == 0:
                messages[0].insert(0, "psk")
            else:
                messages[index - 1].append("psk")
        return cls(
            name=name,
            base_pattern=base,
            modifiers=modifiers,
            dh=DHS[dh_name],
            cipher=CIPHERS[cipher_name],
            hash=HASHES[hash_name],
            initiator_pre_messages=init_pre,
            responder_pre_messages=resp_pre,
            message_patterns=tuple(tuple(p) for p in messages),
        )

    @property
    def psk_count(self) -> int:
        """How many PSKs the handshake consumes (one per ``psk`` token)."""
        return sum(p.count("psk") for p in self.message_patterns)

    @property
    def has_psk(self) -> bool:
        """Section 9.2: with a psk modifier, every ``e`` token also runs ``MixKey(e)``."""
        return bool(self.modifiers)
