"""A Wire backend written from ``docs/backend-protocol.md`` alone, with no cryptography.

It is what an implementer might write in ten minutes: it answers the hello,
frames every message with the right version, type and epoch header, and reports
the channel states a real backend would (Establishing, then Active, Rotating
after an epoch advance). Where Noise goes it writes random bytes, and a
transport message carries its plaintext in clear. Standard library only, so it
stands for a program in any language: ``aura-verify conform --spec wire
--backend "python -m aura_conformance.wire.no_crypto_program"`` must reject it.
"""

from __future__ import annotations

import json
import os
import struct
import sys
from typing import Any

PROTOCOL = "aura-conformance/2"
ACTIONS = ["Reset", "Establish", "Deliver", "Send", "AdvanceEpoch", "Close", "Tick"]


class Member:
    def __init__(self) -> None:
        self.epoch = 0
        self.channel = "None"
        self.counter = 0

    def handshake(self, kind: int, noise_len: int) -> str:
        return (struct.pack(">BBQ", 1, kind, self.epoch) + os.urandom(noise_len)).hex()

    def transport(self, body: bytes) -> str:
        self.counter += 1
        header = struct.pack(">BB32sQQ", 1, 4, bytes(32), self.epoch, self.counter)
        return (header + body + bytes(16)).hex()

    def act(self, action: str, args: dict[str, Any]) -> tuple[str, list[str], list[str]]:
        if action == "Reset":
            self.epoch, self.channel, self.counter = 0, "None", 0
            return "Reset", [], []
        if action == "Establish":
            self.channel = "Establishing"
            return "Started", [self.handshake(1, 96)], []
        if action == "Deliver":
            data = bytes.fromhex(args["bytes"])
            kind = data[1] if len(data) > 1 else 0
            if kind == 1:
                self.channel = "Establishing"
                return "Answered", [self.handshake(2, 48)], []
            if kind == 2:
                self.channel = "Active"
                return "Active", [self.transport(b"")], []
            if self.channel == "Establishing":
                self.channel = "Active"
                return "Confirmed", [], []
            return "Received", [], [data[50:-16].hex()]
        if action == "Send":
            if self.channel != "Active":
                return "Refused:NoChannel", [], []
            return "Sent", [self.transport(bytes.fromhex(args["plaintext"]))], []
        if action == "AdvanceEpoch":
            self.epoch += 1
            self.channel = "Rotating" if self.channel == "Active" else self.channel
            return "Advanced", [], []
        if action == "Close":
            self.channel = "Closed" if self.channel != "None" else "None"
            return "Closed", [], []
        return "Ticked", [], []


def main() -> int:
    member = Member()
    for line in sys.stdin:
        request = json.loads(line)
        rid = request.get("id")
        if "hello" in request:
            hello = request["hello"]
            reply: dict[str, Any] = {
                "id": rid,
                "hello": {"protocol": PROTOCOL, "spec": hello["spec"], "actions": ACTIONS},
            }
        else:
            outcome, sent, received = member.act(request["action"], request.get("args", {}))
            state = {
                "epoch": {"#bigint": str(member.epoch)},
                "channel": member.channel,
                "sent": sent,
                "received": received,
            }
            reply = {"id": rid, "outcome": outcome, "state": state}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
