"""Tool detection on this machine's real filesystem and real Java (no mocked results).

Environments are built from real directories in ``tmp_path``: an executable named
``apalache-mc`` or ``tlc`` there is found exactly as a real install would be. Java is
the machine's own ``java`` (OpenJDK 17 here), whose version gate is what is tested.
"""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from aura_model.runners import (
    APALACHE_MIN_JAVA,
    detect_apalache,
    detect_java,
    detect_tlc,
    parse_java_version,
)

JAVA = shutil.which("java")
needs_java = pytest.mark.skipif(JAVA is None, reason="no java on PATH on this machine")


@pytest.mark.parametrize(
    ("banner", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "21" 2023-09-19 LTS', 21),
        ('openjdk version "1.8.0_392"', 8),
        ('openjdk version "23-ea" 2024-09-17', 23),
        ("no version here", None),
    ],
)
def test_parse_java_version(banner: str, major: int | None) -> None:
    """``java -version`` banners, including the legacy ``1.x`` scheme, give the major version."""
    assert parse_java_version(banner) == major


def _exe(folder: Path, name: str, body: str = "exit 0") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _env(*dirs: Path | str) -> dict[str, str]:
    # AURA_SHARED points at a folder without tools, so the shared jar is not found either.
    return {"PATH": ":".join(str(d) for d in dirs), "AURA_SHARED": "/nonexistent/shared"}


@needs_java
def test_real_java_is_found_with_its_version() -> None:
    """The machine's java is found and its major version read from ``java -version``."""
    assert JAVA is not None
    info = detect_java(_env(Path(JAVA).parent))
    assert info is not None
    assert info.major is not None
    assert info.major >= 8
    assert info.path == JAVA


def test_no_java_anywhere(tmp_path: Path) -> None:
    """With no java on PATH and no JAVA_HOME, detection says so in the reason."""
    status = detect_apalache(_env(tmp_path))
    assert not status.available
    assert "apalache-mc not found" in status.reason
    assert "no Java found" in status.reason


@needs_java
def test_apalache_on_path_but_java_too_old(tmp_path: Path) -> None:
    """An ``apalache-mc`` on PATH with this machine's Java < 21 is reported, precisely, as such."""
    assert JAVA is not None
    info = detect_java(_env(Path(JAVA).parent))
    assert info is not None
    assert info.major is not None
    exe = _exe(tmp_path / "bin", "apalache-mc")
    status = detect_apalache(_env(tmp_path / "bin", Path(JAVA).parent))
    if info.major >= APALACHE_MIN_JAVA:
        assert status.available
        assert status.argv == (str(exe),)
    else:
        assert not status.available
        assert status.reason == (
            f"{exe} found but {JAVA} is Java {info.major}; needs Java >= {APALACHE_MIN_JAVA}"
        )


@needs_java
def test_apalache_home_is_preferred(tmp_path: Path) -> None:
    """``$APALACHE_HOME/bin/apalache-mc`` is found without PATH; the Java gate still applies."""
    assert JAVA is not None
    exe = _exe(tmp_path / "apalache" / "bin", "apalache-mc")
    env = _env(Path(JAVA).parent) | {"APALACHE_HOME": str(tmp_path / "apalache")}
    status = detect_apalache(env)
    assert str(exe) in (status.argv[0] if status.available else status.reason)


def test_apalache_home_without_binary(tmp_path: Path) -> None:
    """An APALACHE_HOME lacking ``bin/apalache-mc`` is named in the reason."""
    status = detect_apalache(_env(tmp_path) | {"APALACHE_HOME": str(tmp_path)})
    assert not status.available
    assert f"$APALACHE_HOME/bin ({tmp_path})" in status.reason


def test_tlc_absent(tmp_path: Path) -> None:
    """No TLC_JAR, TLA2TOOLS_JAR, shared jar or tlc script: unavailable, with the rule."""
    status = detect_tlc(_env(tmp_path))
    assert not status.available
    assert "$TLC_JAR and $TLA2TOOLS_JAR unset" in status.reason
    assert "/nonexistent/shared/tools/tla/tla2tools.jar" in status.reason


@needs_java
def test_tlc_found_in_the_shared_tools(tmp_path: Path) -> None:
    """With no variable set, ``$AURA_SHARED/tools/tla/tla2tools.jar`` is used, SANY too."""
    assert JAVA is not None
    jar = tmp_path / "tools" / "tla" / "tla2tools.jar"
    jar.parent.mkdir(parents=True)
    jar.write_bytes(b"")
    status = detect_tlc(_env(Path(JAVA).parent) | {"AURA_SHARED": str(tmp_path)})
    assert status.available, status.reason
    assert status.jar == jar
    assert status.argv[-3:] == ("-cp", str(jar), "tlc2.TLC")


def test_shared_jar_without_java_is_unavailable(tmp_path: Path) -> None:
    """The shared jar alone is not enough: with no Java the reason says so."""
    jar = tmp_path / "tools" / "tla" / "tla2tools.jar"
    jar.parent.mkdir(parents=True)
    jar.write_bytes(b"")
    status = detect_tlc(_env(tmp_path) | {"AURA_SHARED": str(tmp_path)})
    assert not status.available
    assert status.reason == f"{jar} found but no Java found (JAVA_HOME, PATH); needs Java >= 11"


def test_a_set_variable_wins_over_the_shared_jar(tmp_path: Path) -> None:
    """``TLA2TOOLS_JAR`` naming a missing file switches TLC off; the shared jar is not used."""
    jar = tmp_path / "tools" / "tla" / "tla2tools.jar"
    jar.parent.mkdir(parents=True)
    jar.write_bytes(b"")
    env = _env(tmp_path) | {"AURA_SHARED": str(tmp_path), "TLA2TOOLS_JAR": "/no/such.jar"}
    status = detect_tlc(env)
    assert not status.available
    assert status.reason == "$TLA2TOOLS_JAR=/no/such.jar is not a file"


def test_tlc_jar_missing_file(tmp_path: Path) -> None:
    """A TLC_JAR that does not exist is reported as such, not silently ignored."""
    status = detect_tlc(_env(tmp_path) | {"TLA2TOOLS_JAR": str(tmp_path / "tla2tools.jar")})
    assert not status.available
    assert "TLA2TOOLS_JAR" in status.reason
    assert "is not a file" in status.reason


@needs_java
def test_tlc_jar_builds_java_command(tmp_path: Path) -> None:
    """With TLC_JAR set and Java >= 11, TLC starts as ``java ... -cp JAR tlc2.TLC``."""
    assert JAVA is not None
    jar = tmp_path / "tla2tools.jar"
    jar.write_bytes(b"")
    status = detect_tlc(_env(Path(JAVA).parent) | {"TLC_JAR": str(jar)})
    assert status.available
    assert status.argv[0] == JAVA
    assert status.argv[-3:] == ("-cp", str(jar), "tlc2.TLC")


def test_tlc_script_on_path(tmp_path: Path) -> None:
    """A ``tlc`` wrapper script on PATH is used as is."""
    exe = _exe(tmp_path, "tlc")
    status = detect_tlc(_env(tmp_path))
    assert status.available
    assert status.argv == (str(exe),)
