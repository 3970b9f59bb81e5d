"""``aura-verify`` as ``make verify`` runs it: the report files, the exit codes,
``--strict``, the rerun line of a failing stage, and a ``--help`` that imports
no engine.

Each run here is real: the cheap stages (``vectors``, ``apalache-fixtures``,
``apalache`` where Apalache is absent) on the real shared data, or on a copy
in ``tmp_path`` broken on purpose.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest
from aura_verify import main
from aura_verify.report.data import Report, Status, read_report

SCHEMA = (
    Path(__file__).resolve().parents[2]
    / "cli"
    / "aura_verify"
    / "report"
    / "schema"
    / "report.schema.json"
)
CHEAP = ["--stage", "vectors", "--stage", "apalache-fixtures"]


@pytest.fixture
def no_apalache(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without Apalache, whatever this one has."""
    monkeypatch.delenv("APALACHE_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_a_run_writes_report_and_junit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared: Path
) -> None:
    """The cheap stages pass on the shared data; report.json reads back and meets
    its JSON Schema; junit.xml has one suite per stage with the right counts."""
    code, out = _run(capsys, *CHEAP, "--out", str(tmp_path))
    assert code == 0, out
    report = read_report(tmp_path / "report.json")
    assert [s.name for s in report.stages] == ["vectors", "apalache-fixtures"]
    assert all(s.status is Status.PASS for s in report.stages)
    vectors = report.stages[0]
    assert vectors.figures["handshakes"] == vectors.figures["noise_vectors"] == 25
    assert vectors.figures["wire_vectors"] > 200
    assert report.stages[1].figures["traces"] == 6
    assert vectors.rerun == "aura-verify --stage vectors"
    assert (report.exit_code, report.profile, report.strict) == (0, "default", False)
    assert "tlc" in report.tools and "apalache" in report.tools
    doc = json.loads((tmp_path / "report.json").read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    assert Report.from_json(doc) == report
    suites = ET.parse(tmp_path / "junit.xml").getroot()
    assert suites.tag == "testsuites"
    assert [s.get("name") for s in suites] == ["vectors", "apalache-fixtures"]
    assert (suites.get("tests"), suites.get("failures"), suites.get("skipped")) == ("2", "0", "0")
    assert f"report: {tmp_path / 'report.json'}" in out
    assert f"junit: {tmp_path / 'junit.xml'}" in out


def test_the_schema_refuses_what_the_report_never_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared: Path
) -> None:
    """The schema's broken counterpart: a real report with a bad status or a missing
    rerun command does not validate."""
    assert _run(capsys, "--stage", "apalache-fixtures", "--out", str(tmp_path))[0] == 0
    schema = json.loads(SCHEMA.read_text())
    doc = json.loads((tmp_path / "report.json").read_text())
    doc["stages"][0]["status"] = "MAYBE"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)
    doc = json.loads((tmp_path / "report.json").read_text())
    del doc["stages"][0]["rerun"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_strict_fails_on_a_skipped_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_apalache: None
) -> None:
    """Apalache absent: SKIPPED with its reason, exit 0; with --strict, exit 1."""
    code, out = _run(capsys, "--stage", "apalache", "--out", str(tmp_path))
    assert code == 0
    assert "apalache: SKIPPED" in out
    report = read_report(tmp_path / "report.json")
    skipped = report.stages[0]
    assert skipped.reason is not None and "apalache" in skipped.reason.lower()
    # Every invariant is reported as not checked by Apalache, none as passed.
    assert {(c.engine, c.status) for c in report.checks} == {("apalache", Status.SKIPPED)}
    assert ("GuardChain", "GCTypeOK") in {(c.module, c.invariant) for c in report.checks}
    code, out = _run(capsys, "--stage", "apalache", "--strict", "--out", str(tmp_path))
    assert code == 1
    assert "failing under --strict: apalache" in out
    report = read_report(tmp_path / "report.json")
    assert (report.strict, report.exit_code) == (True, 1)
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    assert suite.get("skipped") == suite.get("tests") == str(1 + len(report.checks))
    case = suite.find("testcase")
    assert case is not None
    skip = case.find("skipped")
    assert skip is not None and skip.get("message") == skipped.reason


def test_an_unknown_stage_is_exit_2_with_the_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--stage", "vector", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown stage(s): vector" in err and "apalache-fixtures" in err
    assert not (tmp_path / "report.json").exists()


def _broken_shared(shared: Path, tmp_path: Path) -> Path:
    """A copy of the shared Apalache fixtures and Noise vectors, one byte of each
    changed where the stage must notice."""
    root = tmp_path / "shared"
    shutil.copytree(shared / "fixtures" / "apalache", root / "fixtures" / "apalache")
    shutil.copytree(shared / "vectors" / "noise", root / "vectors" / "noise")
    trace = root / "fixtures" / "apalache" / "itf" / "SumTypes0.itf.json"
    doc = json.loads(trace.read_text())
    doc["states"].pop()
    trace.write_text(json.dumps(doc))
    vectors = root / "vectors" / "noise" / "noise-star_IKpsk2_wireguard.json"
    doc = json.loads(vectors.read_text())
    ct = doc["vectors"][0]["messages"][0]["ciphertext"]
    doc["vectors"][0]["messages"][0]["ciphertext"] = ("1" if ct[0] == "0" else "0") + ct[1:]
    vectors.write_text(json.dumps(doc))
    return root


def test_a_failing_stage_prints_the_command_that_reruns_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    shared: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A trace one state short and a Noise ciphertext one nibble off: both stages
    FAIL naming the file, each prints its rerun command, the run exits 1 and
    junit.xml carries the failures."""
    monkeypatch.setenv("AURA_SHARED", str(_broken_shared(shared, tmp_path)))
    code, out = _run(capsys, *CHEAP, "--out", str(tmp_path / "out"))
    assert code == 1
    assert "vectors: FAIL" in out and "noise-star_IKpsk2_wireguard.json[0]" in out
    assert "handshake message 0 differs from the vector" in out
    assert "apalache-fixtures: FAIL" in out and "itf/SumTypes0.itf.json: 2 states" in out
    assert "rerun only this stage: aura-verify --stage vectors" in out
    assert "rerun only this stage: aura-verify --stage apalache-fixtures" in out
    report = read_report(tmp_path / "out" / "report.json")
    assert [s.status for s in report.stages] == [Status.FAIL, Status.FAIL]
    assert report.exit_code == 1
    suites = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    assert suites.get("failures") == "2"
    failure = suites.find("testsuite/testcase/failure")
    assert failure is not None and "rerun: aura-verify --stage vectors" in (failure.text or "")


def test_a_broken_wire_vector_fails_the_vectors_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``$AURA_WIRE_VECTORS`` at a copy whose first vector expects other bytes."""
    source = Path(__file__).resolve().parents[2] / "vectors" / "wire-formats.json"
    doc = json.loads(source.read_text())
    first = doc["vectors"][0]
    public = first["output"]["ed25519_public"]
    first["output"]["ed25519_public"] = ("1" if public[0] == "0" else "0") + public[1:]
    broken = tmp_path / "wire.json"
    broken.write_text(json.dumps(doc))
    monkeypatch.setenv("AURA_WIRE_VECTORS", str(broken))
    code, out = _run(capsys, "--stage", "vectors", "--out", str(tmp_path))
    assert code == 1
    assert f"1 failed: {first['id']}" in out


@pytest.mark.slow  # two whole runs of the fast stages
def test_two_lanes_give_the_one_lane_verdict(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    shared: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_apalache: None,
) -> None:
    """apalache runs here while vectors runs in a second (spawned) process: the
    report lists them in the stages' order, with the verdicts and figures of a
    one-at-a-time run; a failure in the second process fails the run."""
    argv = ["--stage", "vectors", "--stage", "apalache"]
    code, out = _run(capsys, *argv, "--out", str(tmp_path / "two"))
    assert code == 0, out
    assert "vectors run in a second process beside apalache" in out
    code, out = _run(capsys, *argv, "--jobs", "1", "--out", str(tmp_path / "one"))
    assert code == 0 and "second process" not in out
    two, one = (read_report(tmp_path / d / "report.json") for d in ("two", "one"))
    assert [(s.name, s.status, s.figures) for s in two.stages] == [
        (s.name, s.status, s.figures) for s in one.stages
    ]
    assert [s.name for s in two.stages] == ["vectors", "apalache"]
    # The broken counterpart: the second process sees the environment's broken vectors.
    doc = json.loads(
        (Path(__file__).resolve().parents[2] / "vectors" / "wire-formats.json").read_text()
    )
    public = doc["vectors"][0]["output"]["ed25519_public"]
    doc["vectors"][0]["output"]["ed25519_public"] = ("1" if public[0] == "0" else "0") + public[1:]
    (tmp_path / "wire.json").write_text(json.dumps(doc))
    monkeypatch.setenv("AURA_WIRE_VECTORS", str(tmp_path / "wire.json"))
    code, out = _run(capsys, *argv, "--out", str(tmp_path / "bad"))
    assert code == 1 and "vectors: FAIL" in out


def test_the_deep_profile_prints_its_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared: Path
) -> None:
    """--profile deep without --seed draws one and prints it; the stages' rerun
    lines carry it, and the example database folder is made."""
    code, out = _run(
        capsys, "--profile", "deep", "--stage", "apalache-fixtures", "--out", str(tmp_path)
    )
    assert code == 0
    report = read_report(tmp_path / "report.json")
    assert report.profile == "deep" and report.seed is not None
    assert f"profile deep, seed {report.seed}" in out
    rerun = f"aura-verify --profile deep --seed {report.seed} --stage apalache-fixtures"
    assert report.stages[0].rerun == rerun
    assert (tmp_path / "hypothesis").is_dir()


def test_help_imports_no_engine() -> None:
    """``aura-verify --help`` loads no model checker, solver, harness or transport."""
    probe = (
        "import sys\n"
        "from aura_verify import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(','.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.strip().splitlines()[-1].split(","))
    assert "aura_verify.main" in loaded
    heavy = {"z3", "hypothesis", "aura_model.tla", "aura_model.z3", "aura_conformance", "aioquic"}
    assert not {m for m in loaded if m.split(".")[0] in heavy or m in heavy}
    assert not {m for m in loaded if m.startswith(("aura_model.tla", "aura_model.z3"))}
