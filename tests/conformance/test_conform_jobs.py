"""``aura-verify conform --jobs N``: the random runs split over worker processes."""

from __future__ import annotations

import os
import re
import shlex
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from aura_conformance.harness.errors import BackendError
from aura_conformance.harness.pool import Share, WorkerCrashed, run_shares, split, worker_seed
from aura_verify import main
from aura_verify.commands.conform_jobs import ConformJob, merge, run_share

# The reference guard world served over stdio, wrong only in runs of at least
# LATE requests (no directed schedule is that long): a double-charge world runs
# in lockstep and, from the LATE-th request after a Reset on, its replies are
# sent. Only random runs can find it, so which worker finds it is a matter of
# its seed.
_LATE_BUG = textwrap.dedent(
    """
    import sys

    from aura_conformance.harness.stdio import serve_stdio
    from aura_conformance.protocol_specs import PROTOCOL_SPECS, reference_backend
    from aura_conformance.protocol_specs import reference_queries

    LATE = 10


    class LateBug:
        def __init__(self):
            self._good = reference_backend("guard", "ref")
            self._bad = reference_backend("guard", "double-charge")
            self.name = "late-bug"
            self.schema = self._good.schema
            self.reports_effects = bool(getattr(self._good, "reports_effects", False))
            self._since_reset = 0

        def request(self, action, args, now):
            self._since_reset = 0 if action == "Reset" else self._since_reset + 1
            good = self._good.request(action, args, now)
            try:
                bad = self._bad.request(action, args, now)
            except Exception:  # the worlds diverged: this reply is the reference's
                return good
            return bad if self._since_reset >= LATE else good

        def close(self):
            self._good.close()
            self._bad.close()


    spec = PROTOCOL_SPECS["guard"]
    backend = LateBug()
    queries = reference_queries(backend._good)
    sys.exit(serve_stdio(backend, spec=spec.module, actions=spec.actions, queries=queries))
    """
)
# Chosen by running seeds 1 to 7 (8 runs, 2 workers): with seed 7 worker 0's
# share (and the directed schedules) passes and worker 1's finds the bug (since the
# direct rule choice; with seeds 1 to 6 worker 0 finds it).
_LATE_SEED = 7


def _totals(out: str) -> tuple[int, int]:
    found = re.search(r"\((\d+) runs, (\d+) steps\)", out)
    assert found, out
    return int(found.group(1)), int(found.group(2))


def test_split_keeps_the_seed_for_worker_0_and_drops_empty_shares() -> None:
    shares = split(7, 5, 2)
    assert [(s.index, s.seed, s.examples) for s in shares] == [
        (0, 7, 3),
        (1, worker_seed(7, 1), 2),
    ]
    assert worker_seed(7, 1) not in (7, worker_seed(8, 1), worker_seed(7, 2))
    assert [s.examples for s in split(0, 1, 4)] == [1]


def test_two_workers_on_the_reference_sum_to_their_shares(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """jobs=2 passes, and its runs, steps and coverage table are those of worker 0's
    share (with the directed schedules) and worker 1's (without), each run alone
    in this process."""
    assert (
        main(
            [
                "conform",
                "--seed",
                "5",
                "--examples",
                "6",
                "--steps",
                "10",
                "--jobs",
                "2",
                "--coverage",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    job = ConformJob("guard", "ref", 10, 10.0, True, None)
    first, second = split(5, 6, 2)
    alone = [run_share(first, job), run_share(second, job)]
    # Worker 0 ran the directed schedules besides its 3 random runs, worker 1 did not.
    assert alone[0].outcome.examples > 3 and alone[1].outcome.examples == 3
    assert all(o.outcome.conformant and o.outcome.steps > 0 for o in alone)
    merged = merge("ref", "guard", alone, None)
    runs = sum(o.outcome.examples for o in alone)
    steps = sum(o.outcome.steps for o in alone)
    assert f"ref: conformant ({runs} runs, {steps} steps)" in out
    assert merged.coverage.pairs == dict(Counter(alone[0].pairs) + Counter(alone[1].pairs))
    assert merged.coverage.table() in out
    assert all(sum(o.pairs.values()) > 0 for o in alone)


def test_a_wrong_backend_fails_naming_the_same_invariant(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """double-charge: jobs=2 names what jobs=1 names, and its reproduce command
    (worker 0's seed, --jobs 1) reproduces the failure."""
    args = ["conform", "--backend", "double-charge", "--examples", "6", "--no-shrink"]
    assert main(args) == 1
    alone = capsys.readouterr().out
    assert main([*args, "--jobs", "2"]) == 1
    split_out = capsys.readouterr().out
    violated = re.search(r"^violated: (.+)$", alone, re.M)
    assert violated and violated.group(1) == "GCAtomicRollback"
    assert f"violated: {violated.group(1)}" in split_out
    assert "found by worker 0 of 2 (seed 0," in split_out
    command = re.search(r"^reproduce: (.+)$", split_out, re.M)
    assert command and command.group(1).endswith("--jobs 1")
    words = shlex.split(command.group(1))
    assert words[:2] == ["aura-verify", "conform"] and words[words.index("--seed") + 1] == "0"
    assert main(words[1:]) == 1
    assert "violated: GCAtomicRollback" in capsys.readouterr().out


def test_a_failure_found_by_worker_1_replays_alone_from_its_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug only random runs find, found by worker 1: the report names worker 1's
    seed and share, its command (--jobs 1) fails the same way, and --record still
    writes DIR/failing.itf.json."""
    program = tmp_path / "late_bug.py"
    program.write_text(_LATE_BUG, encoding="utf-8")
    backend = f"{shlex.quote(sys.executable)} {shlex.quote(str(program))}"
    record = tmp_path / "runs"
    args = ["conform", "--backend", backend, "--examples", "8", "--seed", str(_LATE_SEED)]
    args += ["--no-shrink", "--timeout", "60", "--record", str(record)]
    assert main([*args, "--jobs", "2"]) == 1
    out = capsys.readouterr().out
    second = split(_LATE_SEED, 8, 2)[1]
    assert f"found by worker 1 of 2 (seed {second.seed}, 4 of the 8 random runs)" in out
    assert f"seed: {second.seed}" in out
    violated = re.search(r"^violated: (.+)$", out, re.M)
    assert violated
    assert (record / "failing.itf.json").is_file()
    assert (record / "worker-1" / "failing.itf.json").is_file()
    alone = re.search(r"^its share alone: (.+)$", out, re.M)
    assert alone
    words = shlex.split(alone.group(1))
    assert words[words.index("--seed") + 1] == str(second.seed)
    assert words[words.index("--examples") + 1] == "4" and words[-2:] == ["--jobs", "1"]
    assert main(words[1:]) == 1
    again = capsys.readouterr().out
    assert f"seed: {second.seed}" in again
    assert f"violated: {violated.group(1)}" in again


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--jobs", "-1"], "must be at least 1"),
        (["--jobs", "two"], "not an integer or 'auto'"),
        (["--jobs", "2", "--spec", "wire"], "--jobs is not available for --spec wire"),
        (["--jobs", "2", "--profile", "network"], "--jobs is not available with --profile"),
    ],
)
def test_bad_jobs_is_exit_two(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        code = main(["conform", "--examples", "1", *extra])
        raise SystemExit(code)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def _dies_in_worker_1(share: Share, how: str) -> int:
    # Module level: a spawned worker imports it by name.
    if share.index == 1:
        if how == "exit":
            os._exit(9)
        raise RuntimeError("the worker's own bug")
    return share.index


@pytest.mark.parametrize(
    ("how", "message"),
    [("exit", r"died without a result \(exit code 9\)"), ("raise", "the worker's own bug")],
)
def test_a_worker_that_crashes_is_an_error_never_a_result(
    how: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that dies, or raises outside the harness's errors, is a
    ``WorkerCrashed``: a ``BackendError``, which ``conform`` reports as exit 3."""
    assert issubclass(WorkerCrashed, BackendError)
    # The spawned worker imports this module by name (pytest's importlib mode names
    # it tests.conformance....): it needs the project root on the path it inherits,
    # which `pytest` (unlike `python -m pytest`) does not put there. Without it the
    # worker dies importing, and both cases would read as "died" for that reason.
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2]))
    with pytest.raises(WorkerCrashed, match=message):
        run_shares(_dies_in_worker_1, how, split(0, 2, 2), lambda share: share.index)
