"""The Rendezvous safety twin: its lemmas are needed, and its abstraction
keeps the spec's bug behaviours."""

from __future__ import annotations

import json
import subprocess
import sys

from aura_model.z3 import Verdict
from aura_model.z3._rendezvous import rendezvous

_LEMMA_FREE_QUERY = """
import json
from aura_model.z3._rendezvous import rendezvous
ts = rendezvous()
ts.timeout_ms = 20000
res = ts.prove("RVMembersOnly", assume=["RVMembersOnly"])
steps = [step.action for step in res.trace.steps] if res.trace is not None else None
print(json.dumps({"verdict": str(res.verdict), "actions": steps}))
"""


def test_members_only_needs_the_initiator_channel_lemma() -> None:
    """Failing counterpart: without ``RVIniChansToResp`` the invariant has a
    CTI through ``ProcessResponse`` (a response on an Ini channel to a
    non-member); with it the invariant is proved.

    The lemma-free query runs in a fresh interpreter: Z3's quantifier heuristics
    depend on every term created before in the same context, and after some other
    tests' queries it answers ``unknown`` instead of finding the CTI.
    """
    out = subprocess.run(
        [sys.executable, "-c", _LEMMA_FREE_QUERY],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["verdict"] == Verdict.CTI
    assert found["actions"] is not None
    assert found["actions"][1] == "ProcessResponse"
    ts = rendezvous()
    ts.timeout_ms = 20000
    assert ts.prove("RVMembersOnly").verdict == Verdict.PROVED


def test_double_charge_spends_past_the_limit_in_one_step() -> None:
    """The bug twin's counterexample, on the bad cfg's Limit = 3."""
    ts = rendezvous(BUG_DoubleCharge=True, limit=3)
    res = ts.bmc(1, ["RVBudgetWithinLimit"], schedule=("PrepareEstablishChannel",))
    assert res.verdict == Verdict.VIOLATED
    assert res.trace is not None and "PrepareEstablishChannel" in res.trace.format_table()
