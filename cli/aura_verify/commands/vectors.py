"""``aura-verify vectors``: generate or check the wire-format test vectors.

Without options the document the reference generates now is printed. ``--write
FILE`` stores it; ``--check FILE`` runs every vector of FILE on the reference (or,
with ``--codec``, on a deliberately broken codec) and exits 0 if all pass, 1 if
some fail, 2 if FILE is not a valid vector document.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["configure_vectors"]


def configure_vectors(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Language-neutral test vectors of every wire format (docs/vectors.md). "
        "Exit codes: 0 all vectors pass (or the file was written), 1 some vector fails, "
        "2 the file is not a valid vector document or cannot be read."
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--write", type=Path, metavar="FILE", help="write the generated vectors to FILE"
    )
    group.add_argument("--check", type=Path, metavar="FILE", help="run every vector of FILE")
    parser.add_argument(
        "--codec",
        default="reference",
        metavar="NAME",
        help="with --check: the codec to run (reference, or a deliberately broken one: "
        "see docs/vectors.md)",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from aura_conformance.vectors import dumps_document, generate_document

    if args.check is not None:
        return _check(args.check, args.codec)
    if args.codec != "reference":
        print("aura-verify vectors: --codec only applies to --check", file=sys.stderr)
        return 2
    text = dumps_document(generate_document())
    if args.write is None:
        sys.stdout.write(text)
        return 0
    try:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"aura-verify vectors: cannot write {args.write}: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.write}")
    return 0


def _check(path: Path, codec_name: str) -> int:
    from aura_conformance.vectors import (
        CodecFactory,
        ReferenceCodec,
        VectorFileError,
        check_document,
        load_document,
    )
    from aura_conformance.vectors.broken import BROKEN_CODECS

    codec: CodecFactory
    if codec_name == "reference":
        codec = ReferenceCodec
    elif codec_name in BROKEN_CODECS:
        codec = BROKEN_CODECS[codec_name].factory
    else:
        known = ", ".join(["reference", *BROKEN_CODECS])
        print(f"aura-verify vectors: unknown codec {codec_name!r}; known: {known}", file=sys.stderr)
        return 2
    try:
        results = check_document(load_document(path), codec, source=str(path))
    except VectorFileError as exc:
        print(f"aura-verify vectors: invalid vector file: {exc}", file=sys.stderr)
        return 2
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"FAIL {r.id}: {r.detail}")
    families = sorted({r.family for r in results})
    print(
        f"{path}: {len(results)} vectors in {len(families)} families, "
        f"{len(results) - len(failed)} passed, {len(failed)} failed (codec {codec_name})"
    )
    return 1 if failed else 0
