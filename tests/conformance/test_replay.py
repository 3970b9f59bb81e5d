"""``aura-verify replay``: a recorded run re-driven on a backend and judged by the spec.

The traces are recorded from real runs of wrong backends (their failing run, as
the harness found it); replaying one fails on the backend that has the bug,
naming the step, the action and the violated property, and passes on the
reference, which the recorded states cannot decide.
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from aura_conformance import run_dv_conformance, run_epoch_conformance
from aura_conformance.guard_chain import run_conformance
from aura_conformance.harness.replay import load_program, read_trace, replay_program
from aura_conformance.harness.report import Observation
from aura_conformance.relay import run_relay_conformance
from aura_conformance.spec_harnesses import SPEC_HARNESSES
from aura_verify import main

_RUNNERS: dict[str, Any] = {
    "guard": run_conformance,
    "epoch": run_epoch_conformance,
    "descriptor": run_dv_conformance,
    "relay": run_relay_conformance,
}

# (spec, wrong backend, the property its failing trace violates)
_BUGS = [
    ("guard", "no-epoch-check", "GCReceiptEpoch"),
    # Caught by the observed sends before the step validator runs: the recorded
    # run must still end with the failing step.
    ("guard", "effects-on-deny", "GCNoEffectOnDeny"),
    ("epoch", "revive-on-rotate", "ERNoRevival"),
    ("descriptor", "capped-sync", "DVSyncAvailable"),
    ("relay", "replay-forwarding-relay", "RVRelayForwardsOnce"),
]


def record_failing(spec: str, variant: str, out: Path, *, seed: int = 0) -> Path:
    """Run ``variant`` with the tap recording; the failing run's trace."""
    harness = SPEC_HARNESSES[spec]
    backend = harness.open(variant, 10.0)
    watch = Observation(
        backend,
        harness.space,
        record_dir=out,
        scenarios=harness.scenarios(),
        machine_records=harness.records_itself,
    )
    try:
        kwargs: dict[str, Any] = {"examples": 5, "seed": seed}
        if harness.records_itself:
            kwargs["record_dir"] = out
        result = _RUNNERS[spec](backend, **kwargs)
    finally:
        watch.close()
    assert not result.conformant, f"{variant} was not caught"
    trace = watch.failing_trace(result)
    assert trace is not None and trace.is_file()
    return trace


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The failing trace of each wrong backend, and of each spec its first one."""
    traces: dict[str, Path] = {}
    for spec, variant, _ in _BUGS:
        trace = record_failing(spec, variant, tmp_path_factory.mktemp(spec))
        traces[variant] = trace
        traces.setdefault(spec, trace)
    return traces


@pytest.mark.parametrize(("spec", "variant", "violated"), _BUGS)
def test_a_bugs_trace_fails_on_its_backend_and_passes_on_the_reference(
    failing: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    spec: str,
    variant: str,
    violated: str,
) -> None:
    trace = failing[variant]
    assert main(["replay", str(trace), "--backend", variant]) == 1
    out = capsys.readouterr().out
    steps = len(json.loads(trace.read_text())["states"]) - 1
    # The recorded run ends at the step that failed: the replay fails there too.
    assert "does NOT conform" in out and f"at step {steps} of {steps}" in out
    action = json.loads(trace.read_text())["states"][-1]["#meta"]["action"]
    assert f"({action})" in out and f"violated: {violated}" in out
    assert main(["replay", str(trace), "--backend", "ref", "--spec", spec]) == 0
    out = capsys.readouterr().out
    assert "ref conforms" in out and "refused" not in out


def test_the_spec_is_found_from_the_traces_variables(
    failing: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --spec the trace's variables choose it; a wrong --spec is refused."""
    assert main(["replay", str(failing["epoch"]), "--backend", "ref"]) == 0
    assert "EpochRotation" in capsys.readouterr().out
    assert main(["replay", str(failing["epoch"]), "--spec", "guard"]) == 2
    err = capsys.readouterr().err
    assert "are not the spec's" in err and len(err.strip().splitlines()) == 1


def test_replay_judges_by_the_spec_not_by_the_recorded_states(
    failing: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Recorded states are not compared: with every state replaced by the initial
    one the program still passes on the reference and fails on the bug."""
    doc = json.loads(failing["guard"].read_text())
    first = {k: v for k, v in doc["states"][0].items() if k != "#meta"}
    for state in doc["states"][1:]:
        state.update(first)
    edited = tmp_path / "edited.itf.json"
    edited.write_text(json.dumps(doc))
    assert main(["replay", str(edited), "--backend", "ref"]) == 0
    assert main(["replay", str(edited), "--backend", "no-epoch-check"]) == 1
    capsys.readouterr()


def test_a_request_the_backend_refuses_is_skipped_and_listed(
    failing: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A receipt that is not on this backend's wire is refused: listed, not judged,
    and the replay is no verdict (exit 4): a backend refusing every request must
    not pass."""
    doc = json.loads(failing["guard"].read_text())
    receive = next(s for s in doc["states"] if s["#meta"]["action"] == "ReceiveReceipt")
    ghost = json.loads(json.dumps(receive))
    ghost["#meta"]["args"]["r"]["nonce"] = {"#bigint": "7"}
    doc["states"].insert(1, ghost)
    edited = tmp_path / "ghost.itf.json"
    edited.write_text(json.dumps(doc))
    assert main(["replay", str(edited), "--backend", "ref"]) == 4
    out = capsys.readouterr().out
    assert "step 1 (ReceiveReceipt) refused by the backend, skipped" in out
    assert "no verdict: ref refused 1 of" in out


def test_an_unknown_backend_is_a_usage_error(
    failing: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(failing["relay"]), "--backend", "no-such-variant"]) == 2
    err = capsys.readouterr().err
    assert "no-such-variant" in err and "Traceback" not in err


def _printed_command(out: str) -> list[str]:
    line = next(x for x in out.splitlines() if x.startswith("reproduce: "))
    argv = shlex.split(line.removeprefix("reproduce: "))
    assert argv[0] == "aura-verify"
    return argv[1:]


@pytest.mark.parametrize(
    ("spec", "variant"), [("guard", "no-rollback"), ("relay", "junk-forwarding-relay")]
)
def test_conform_prints_the_counterexample_and_one_command_that_reproduces_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, variant: str
) -> None:
    """Seed, violated property, program and a replay command that fails on the bug;
    the same command on the reference passes."""
    args = ["conform", "--spec", spec, "--backend", variant, "--examples", "5"]
    assert main([*args, "--record", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "seed: 0" in out and "violated: " in out and "program (" in out
    assert "   1. " in out  # the first request after Reset, with its arguments
    command = _printed_command(out)
    assert command[:2] == ["replay", str(tmp_path / "failing.itf.json")]
    assert main(command) == 1
    ref = [*command[: command.index("--backend") + 1], "ref"]
    assert main(ref) == 0


def test_without_record_the_command_reruns_conform(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", "--spec", "epoch", "--backend", "revive-on-rotate"]) == 1
    command = _printed_command(capsys.readouterr().out)
    assert command[:2] == ["conform", "--spec"] and "--seed" in command
    assert main(command) == 1
    assert "violated: ERNoRevival" in capsys.readouterr().out


def test_replay_over_stdio(failing: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """A program speaking the stdio protocol replays the same trace: its buggy
    variant fails at the same step, its reference passes, the buggy one refusing
    the failing action gives no verdict; a crash is exit 3."""
    program = f"{sys.executable} -m aura_conformance.examples.guard_backend --variant"
    trace = str(failing["guard"])
    assert main(["replay", trace, "--backend", f"{program} no-epoch-check"]) == 1
    assert "violated: GCReceiptEpoch" in capsys.readouterr().out
    assert main(["replay", trace, "--backend", f"{program} ref"]) == 0
    # The bug hidden behind an unsupported action is no pass: no verdict.
    hiding = f"{program} no-epoch-check --refuse ReceiveReceipt"
    assert main(["replay", trace, "--backend", hiding]) == 4
    assert "no verdict" in capsys.readouterr().out
    crash = f"{sys.executable} -c 'import sys; sys.exit(3)'"
    assert main(["replay", trace, "--backend", crash]) == 3
    assert "Traceback" not in capsys.readouterr().err


def _every_wrong_backend() -> list[tuple[str, str]]:
    from aura_conformance.descriptor_validity import DV_VARIANTS
    from aura_conformance.epoch_rotation import EPOCH_VARIANTS
    from aura_conformance.guard_chain import VARIANTS
    from aura_conformance.relay import RELAY_VARIANTS

    tables: dict[str, Iterable[str]] = {
        "guard": VARIANTS,
        "epoch": EPOCH_VARIANTS,
        "descriptor": DV_VARIANTS,
        "relay": RELAY_VARIANTS,
    }
    return [(spec, v) for spec, table in tables.items() for v in table if v != "ref"]


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "variant"), _every_wrong_backend())
def test_every_wrong_backends_trace_is_a_regression_test(
    tmp_path: Path, spec: str, variant: str
) -> None:
    """For each wrong backend of each spec: its failing trace fails on it, at its
    last step, and passes on the reference with no request refused."""
    harness = SPEC_HARNESSES[spec]
    trace = record_failing(spec, variant, tmp_path)
    program = load_program(read_trace(trace), harness.schema, source=str(trace))
    buggy = replay_program(program, harness.machine(harness.open(variant, 10.0)), harness.drive)
    assert buggy.failed_step == len(program)
    ref = replay_program(program, harness.machine(harness.open("ref", 10.0)), harness.drive)
    assert ref.conformant and ref.refused == (), ref.failure


def test_a_random_runs_failure_is_reported_as_shrunk(tmp_path: Path) -> None:
    """Without the directed scenarios, random runs find no-rollback; the program
    reported is the last run, the one Hypothesis shrank to, and its trace fails on
    the bug at its last step and passes on the reference."""
    harness = SPEC_HARNESSES["guard"]
    backend = harness.open("no-rollback", 10.0)
    watch = Observation(backend, harness.space, record_dir=tmp_path, scenarios=())
    try:
        result = run_conformance(backend, examples=30, seed=0, scenarios=False)
    finally:
        watch.close()
    assert not result.conformant
    text = watch.explain(result, seed=0, command=["aura-verify", "conform"])
    assert "as Hypothesis shrank it" in text and "violated: GCAtomicRollback" in text
    trace = watch.failing_trace(result)
    assert trace is not None
    program = load_program(read_trace(trace), harness.schema, source=str(trace))
    # Shrunk: a prepare and the execution whose append fails.
    assert [r.action for r in program] == ["PrepareOperation", "ExecuteEffects"]
    buggy = replay_program(program, harness.machine(backend), harness.drive)
    assert buggy.failed_step == 2
    ref = replay_program(program, harness.machine(harness.open("ref", 10.0)), harness.drive)
    assert ref.conformant
