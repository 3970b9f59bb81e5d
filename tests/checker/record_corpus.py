"""(Re)write ``tests/checker/corpus/manifest.json`` from TLC's own figures.

Every ``*.cfg`` in the corpus folder is one entry. Its spec is named by a
``\\* spec: Foo.tla`` line in the cfg, else found by dropping ``_suffix`` parts
from the cfg's name (``Foo_bad.cfg`` -> ``Foo.tla``). The only hand-written
fields come from comment lines: ``\\* features: a, b`` in the module and in the
cfg (merged), ``\\* flags: -deadlock`` and ``\\* note: ...`` in the cfg.
Everything else is what TLC (and SANY, and the ``tla`` parser) reported, in the
format of ``../shared/tla-corpus/manifest.json`` (see its README).

    .venv/bin/python -m tests.checker.record_corpus [--only CFG ...] [--check]

``--check`` re-runs TLC and exits 1 if any recorded figure changed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from tests.checker.tlc_oracle import run_sany, run_tlc, skip_reason

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST = CORPUS / "manifest.json"
_TAG = re.compile(r"^\s*\\\*\s*(features|flags|note|spec):\s*(.*)$")
# The figures TLC's re-runs must reproduce exactly (tlc_seconds is a measurement).
STABLE_KEYS = (
    "result",
    "violated",
    "distinct_states",
    "states_generated",
    "depth",
    "trace_length",
    "trace_loop",
    "tlc_exit_code",
    "sany_ok",
)


def _stable(entry: dict[str, Any]) -> tuple[str, ...]:
    """The keys a re-run must reproduce for this entry.

    TLC draws a fingerprint polynomial at random on every run ("fp N"); the
    breadth-first figures do not depend on it, but which lasso a liveness
    counterexample shows does, so its length is left out there.
    """
    if entry["trace_loop"] is not None:
        return tuple(k for k in STABLE_KEYS if k != "trace_length")
    return STABLE_KEYS


def _tags(path: Path) -> dict[str, str]:
    tags: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := _TAG.match(line):
            key, value = m.group(1), m.group(2).strip()
            tags[key] = f"{tags[key]} {value}".strip() if key in tags else value
    return tags


def spec_of(cfg: Path) -> Path:
    """The module a cfg belongs to (``\\* spec:`` line, else the name before ``_``)."""
    named = _tags(cfg).get("spec")
    if named:
        return cfg.parent / named
    stem = cfg.stem
    while True:
        candidate = cfg.parent / f"{stem}.tla"
        if candidate.exists():
            return candidate
        if "_" not in stem:
            raise SystemExit(f"{cfg.name}: no module found (add a '\\* spec: Foo.tla' line)")
        stem = stem.rsplit("_", 1)[0]


def _split(text: str) -> list[str]:
    return [t for t in re.split(r"[,\s]+", text) if t]


def _parser_rejects(spec: Path) -> bool:
    import tla  # the PyPI parser the embedded checker is built on

    try:
        tla.parse(spec.read_text(encoding="utf-8"))
    except Exception:  # any failure of the third-party parser counts
        return True
    return False


def record(cfg: Path, sany: dict[str, bool]) -> dict[str, Any]:
    """One manifest entry for ``cfg``: TLC run plus the hand-written tags."""
    spec = spec_of(cfg)
    cfg_tags, spec_tags = _tags(cfg), _tags(spec)
    flags = _split(cfg_tags.get("flags", ""))
    features = _split(spec_tags.get("features", "")) + _split(cfg_tags.get("features", ""))
    if spec.name not in sany:
        sany[spec.name] = run_sany(spec)[0]
    tlc = run_tlc(spec, cfg, flags)
    return {
        "spec": spec.name,
        "cfg": cfg.name,
        "tlc_flags": flags,
        "features": list(dict.fromkeys(features)),
        "result": tlc.result,
        "violated": tlc.violated,
        "distinct_states": tlc.distinct_states,
        "states_generated": tlc.states_generated,
        "depth": tlc.depth,
        "trace_length": tlc.trace_length,
        "trace_loop": tlc.trace_loop,
        "tlc_exit_code": tlc.exit_code,
        "tlc_seconds": round(tlc.seconds, 2),
        "tlc_error": tlc.error,
        "checks_properties": bool(re.search(r"^\s*PROPERT", cfg.read_text("utf-8"), re.M)),
        "sany_ok": sany[spec.name],
        "tla_parser_rejects": _parser_rejects(spec),
        "note": cfg_tags.get("note") or None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="cfg file names to re-record")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    reason = skip_reason()
    if reason is not None:
        print(f"cannot record: {reason}", file=sys.stderr)
        return 2
    old = json.loads(MANIFEST.read_text("utf-8")) if MANIFEST.exists() else []
    by_cfg = {e["cfg"]: e for e in old}
    cfgs = sorted(CORPUS.glob("*.cfg"))
    if args.only:
        unknown = set(args.only) - {c.name for c in cfgs}
        if unknown:
            print(f"no such cfg: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
    sany: dict[str, bool] = {}
    entries: list[dict[str, Any]] = []
    changed: list[str] = []
    for cfg in cfgs:
        if args.only and cfg.name not in args.only and cfg.name in by_cfg:
            entries.append(by_cfg[cfg.name])
            continue
        entry = record(cfg, sany)
        before = by_cfg.get(cfg.name)
        if before is None:
            changed.append(f"{cfg.name} (new)")
        elif diff := [
            f"{k} {before[k]} -> {entry[k]}" for k in _stable(entry) if before[k] != entry[k]
        ]:
            changed.append(f"{cfg.name} ({', '.join(diff)})")
        print(
            f"{cfg.name}: {entry['result']} {entry['violated'] or ''} "
            f"distinct={entry['distinct_states']} depth={entry['depth']} "
            f"trace={entry['trace_length']} exit={entry['tlc_exit_code']} sany={entry['sany_ok']}"
        )
        entries.append(entry)
    if args.check:
        for name in changed:
            print(f"changed: {name}", file=sys.stderr)
        return 1 if changed else 0
    MANIFEST.write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"{len(entries)} entries written to {MANIFEST} ({len(changed)} new or changed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
