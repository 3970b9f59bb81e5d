"""The HTML report opened in headless Chromium (Debian's ``chromium`` package).

The test installs the package when it is missing (as root, through apt-get,
once per machine: a lock serialises concurrent test processes, and a failed
install is remembered with its reason). Where it cannot be installed (not
root, no apt-get, no network) the test is SKIPPED with the reason, never
passed.
"""

from __future__ import annotations

import datetime
import fcntl
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from aura_model.specs import spec_dir

from tests.cli.report_pages import Page

ROOT = spec_dir().parent
BUILD = ROOT / "build" / "report-html"
_LOCK = Path("/tmp/aura-verify-chromium.lock")
_FAILED = Path("/tmp/aura-verify-chromium.failed")
_APT_TIMEOUT = 900.0  # a safety net for a hung download, reported as the skip reason


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        ["apt-get", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=_APT_TIMEOUT,
    )


def _install() -> str | None:
    """Install ``chromium``; the reason it failed, or None."""
    try:
        run = _apt("install", "-y", "--no-install-recommends", "chromium")
        if run.returncode != 0:
            _apt("update")
            run = _apt("install", "-y", "--no-install-recommends", "chromium")
    except subprocess.TimeoutExpired:
        return f"apt-get did not finish within {_APT_TIMEOUT:.0f} s"
    if run.returncode != 0:
        tail = " ".join(run.stderr.strip().splitlines()[-2:])
        return f"apt-get install chromium failed ({run.returncode}): {tail}"
    return None


def _chromium() -> str:
    """The path of ``chromium``, installing it once; skips the test with the reason."""
    found = shutil.which("chromium")
    if found:
        return found
    if shutil.which("apt-get") is None:
        pytest.skip("chromium is not installed and there is no apt-get to install it")
    if os.geteuid() != 0:
        pytest.skip("chromium is not installed and installing it needs root")
    with _LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = shutil.which("chromium")
        if found:
            return found
        if _FAILED.exists():
            pytest.skip(f"chromium could not be installed: {_FAILED.read_text('utf-8')}")
        reason = _install()
        found = shutil.which("chromium")
        if reason is not None or found is None:
            why = reason or "apt-get succeeded but no chromium on PATH"
            _FAILED.write_text(why, encoding="utf-8")
            pytest.skip(f"chromium could not be installed: {why}")
        return found


def _headless(chromium: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium,
        "--headless",
        "--no-sandbox",  # root in a container: the sandbox needs namespaces we lack
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        f"--user-data-dir={BUILD / 'profile'}",
        *args,
    ]
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the inflated image data of a PNG (no decoder needed)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def _verify_artefacts(out: Path) -> tuple[Path, str]:
    """The artefacts ``aura-verify`` writes, for a spec-check of one bad model run
    by the embedded checker (TLC not run): the page's path and the
    counterexample's id."""
    from aura_model.spec_check import check_case, discover
    from aura_model.spec_evidence import model_evidence
    from aura_model.stages import StageResult, Status
    from aura_verify.report.write import RunInfo, write_artefacts

    reason = "not run by this test"
    case = next(c for c in discover() if c.cfg.name == "MC_GuardChain_bad_GCNoEffectOnDeny.cfg")
    outcome = check_case(case, tlc_absent=reason)
    checks, examples = model_evidence(outcome, reason)
    assert len(examples) == 1
    result = StageResult(
        "spec-check",
        Status.SKIPPED,
        outcome.line(),
        outcome.seconds,
        figures={"models": 1, "states": outcome.distinct_states or 0},
        checks=tuple(checks),
        counterexamples=tuple(examples),
    )
    run = RunInfo(
        profile="default",
        seed=None,
        strict=False,
        out=out,
        rerun=lambda stage: f"aura-verify --stage {stage}",
        started=datetime.datetime.now(datetime.UTC),
        seconds=outcome.seconds,
        exit_code=0,
    )
    written = dict(write_artefacts([result], run))
    return written["html"], examples[0].id


@pytest.mark.slow  # two Chromium runs: 3-6 s on this machine
def test_chromium_renders_the_catalogue_and_a_counterexample() -> None:
    """Chromium's DOM of the page holds the catalogue and the counterexample,
    and its screenshot (kept under build/report-html/) is not blank."""
    chromium = _chromium()
    page_path = BUILD / "report.html"
    if page_path.exists():
        page_path.unlink()
    written, cex_id = _verify_artefacts(BUILD)
    assert written == page_path
    url = page_path.resolve().as_uri()

    dom = _headless(chromium, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = Page(dom.stdout)
    # The DOM Chromium built: the catalogue's rows, the counterexample's diagram
    # (lifelines, the message, the violation) and its state table.
    assert page.tags("table", **{"class": "catalogue"})
    cells = page.text_under("table")
    assert {"GCNoEffectOnDeny", "ERHandshakeTerminates", "RVRelayFallback"} <= set(cells)
    assert page.tags("section", id=f"cex-{cex_id}")
    assert "broken variant PASS" in cells and "broken variant SKIPPED" in cells
    svg = page.text_under("svg")
    assert "a2" in svg and "violates GCNoEffectOnDeny" in svg
    assert any(t.startswith("DenyOperation: receipt n=1") for t in svg)
    assert page.tags("td", **{"class": "changed"})
    assert not page.tags("script")

    shot = BUILD / "report.png"
    if shot.exists():
        shot.unlink()
    run = _headless(chromium, "--window-size=1400,1800", f"--screenshot={shot}", url)
    assert run.returncode == 0, run.stderr[-2000:]
    width, height, pixels = _png_pixels(shot)
    assert (width, height) == (1400, 1800)
    # Something was drawn: a blank page inflates to a handful of byte values.
    assert len(set(pixels)) > 64


def test_a_blank_screenshot_is_told_apart(tmp_path: Path) -> None:
    """Failing counterpart of the last check: a white PNG has few byte values."""
    width, height = 64, 16
    rows = b"".join(b"\x00" + b"\xff" * (width * 3) for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))
    path = tmp_path / "white.png"
    path.write_bytes(png + chunk(b"IEND", b""))
    got_width, got_height, pixels = _png_pixels(path)
    assert (got_width, got_height) == (width, height)
    assert len(set(pixels)) <= 64


def test_without_chromium_and_without_root_the_test_is_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Never a pass without a browser: the helper skips, saying why."""
    monkeypatch.setattr(
        shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None
    )
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(pytest.skip.Exception, match="installing it needs root"):
        _chromium()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.skip.Exception, match="no apt-get"):
        _chromium()
