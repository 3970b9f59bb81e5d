"""Choreographies as data: roles, messages and their guard annotations.

A choreography is the global view of a protocol (seed section 5): an ordered
list of messages, each sent by one role to another, annotated with the guard
capability the sender must hold, the flow cost charged to the sender, the
journal facts the step records and what it leaks to whom. Values are frozen
and validated on construction, so an ill-formed choreography cannot exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import attrs

__all__ = ["Choreography", "Leak", "MessageSpec"]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_LEAK = re.compile(r"^([a-z_]+):([0-9]+)$")


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _leaks(values: Iterable[Leak]) -> tuple[Leak, ...]:
    return tuple(values)


def _messages(values: Iterable[MessageSpec]) -> tuple[MessageSpec, ...]:
    return tuple(values)


def _identifier(_inst: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(f"{attribute.name} must be an identifier, got {value!r}")


@attrs.frozen
class Leak:
    """A leakage annotation such as ``neighbor:1``: who learns metadata, and how much."""

    observer: str = attrs.field(validator=attrs.validators.matches_re(r"^[a-z_]+$"))
    amount: int = attrs.field(validator=attrs.validators.ge(0))

    @classmethod
    def parse(cls, text: str) -> Leak:
        """Parse the seed's ``"observer:amount"`` notation."""
        match = _LEAK.match(text)
        if match is None:
            raise ValueError(f"leak annotation must look like 'neighbor:1', got {text!r}")
        return cls(match.group(1), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.observer}:{self.amount}"


@attrs.frozen
class MessageSpec:
    """One step ``sender -> receiver: label(payload)`` with its guard annotations."""

    sender: str = attrs.field(validator=_identifier)
    receiver: str = attrs.field(validator=_identifier)
    label: str = attrs.field(validator=_identifier)
    payload: str = attrs.field(validator=_identifier)
    capability: str = attrs.field(validator=attrs.validators.matches_re(r"^[a-z_]+:[a-z_]+$"))
    flow_cost: int = attrs.field(
        validator=[attrs.validators.instance_of(int), attrs.validators.ge(0)]
    )
    journal_facts: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    leaks: tuple[Leak, ...] = attrs.field(default=(), converter=_leaks)

    def __attrs_post_init__(self) -> None:
        if self.sender == self.receiver:
            raise ValueError(f"{self.label}: sender and receiver are both {self.sender}")


@attrs.frozen
class Choreography:
    """A global protocol: its namespace, roles and ordered messages."""

    namespace: str = attrs.field(validator=_identifier)
    name: str = attrs.field(validator=_identifier)
    roles: tuple[str, ...] = attrs.field(converter=_strings)
    messages: tuple[MessageSpec, ...] = attrs.field(converter=_messages)

    def __attrs_post_init__(self) -> None:
        if len(set(self.roles)) != len(self.roles) or len(self.roles) < 2:
            raise ValueError(f"{self.name}: roles must be at least two distinct names")
        labels = [m.label for m in self.messages]
        if len(set(labels)) != len(labels):
            raise ValueError(f"{self.name}: message labels must be unique")
        for message in self.messages:
            for role in (message.sender, message.receiver):
                if role not in self.roles:
                    raise ValueError(f"{self.name}.{message.label}: unknown role {role}")

    def message(self, label: str) -> MessageSpec:
        """The message called ``label``; :class:`KeyError` when there is none."""
        for message in self.messages:
            if message.label == label:
                return message
        raise KeyError(f"{self.name} has no message {label!r}")
