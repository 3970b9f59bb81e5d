"""The shell's one timer: ``NetNode.run_timer`` sleeps until the core's
``next_deadline()`` and delivers what ``handle_timer`` reports.

The clock is injected, so the test moves time instead of waiting for it; the
timer still runs as a real asyncio task.
"""

from __future__ import annotations

import asyncio

from aura_net import TcpServer, wall_clock_ms, within
from aura_net._direct import prepare_direct
from aura_rendezvous import DescriptorRefreshDue, HandshakeRole, HandshakeTimedOut
from aura_rendezvous.channels import DEFAULT_HANDSHAKE_TIMEOUT_MS

from ..impl.world import ALICE, BOB, CTX
from .net_world import SAFETY_S, net_node, run, share_descriptors


def test_an_unanswered_handshake_comes_back_as_a_timer_event() -> None:
    async def scenario() -> None:
        now = [0]
        alice, bob = net_node(ALICE, clock=lambda: now[0]), net_node(BOB)
        server = TcpServer(bob)
        hint = await server.start()
        bob.publish(CTX, [hint])
        share_descriptors(alice, bob)
        now[0] = wall_clock_ms()
        timer = asyncio.create_task(alice.run_timer())
        prepare_direct(alice, CTX, BOB, hint)  # message 1 committed, never sent
        await asyncio.sleep(0.1)
        assert alice.timer_events.empty()  # the counterpart: not due yet

        now[0] += DEFAULT_HANDSHAKE_TIMEOUT_MS
        alice.wake()
        event = await within(alice.timer_events.get(), SAFETY_S, "timer event")
        assert event == HandshakeTimedOut(CTX, BOB, HandshakeRole.Initiator)

        alice.publish(CTX, [hint])
        now[0] += 10**9
        alice.wake()
        refresh = await within(alice.timer_events.get(), SAFETY_S, "timer event")
        assert isinstance(refresh, DescriptorRefreshDue) and refresh.context_id == CTX
        timer.cancel()
        await server.close()

    run(scenario())
