"""Language-neutral test vectors of every wire format of the reference implementation.

``generate_document()`` builds them by running the reference; ``check_document``
runs a document's vectors on a codec (the reference, or a deliberately broken
one from :mod:`aura_conformance.vectors.broken`). ``docs/vectors.md`` documents
the file.
"""

from aura_conformance.vectors._check import CodecFactory, VectorResult, check_document
from aura_conformance.vectors._codec import OPERATIONS, ReferenceCodec
from aura_conformance.vectors._document import (
    DOCUMENT_FORMAT,
    DOCUMENT_VERSION,
    Document,
    Vector,
    VectorFileError,
    dumps_document,
    load_document,
)
from aura_conformance.vectors._generate import generate_document
from aura_conformance.vectors._keys import KeyRing

__all__ = [
    "DOCUMENT_FORMAT",
    "DOCUMENT_VERSION",
    "OPERATIONS",
    "CodecFactory",
    "Document",
    "KeyRing",
    "ReferenceCodec",
    "Vector",
    "VectorFileError",
    "VectorResult",
    "check_document",
    "dumps_document",
    "generate_document",
    "load_document",
]
