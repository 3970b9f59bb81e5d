"""The ITF trace codec (Apalache ADR-015), the project's trace format (DESIGN.md section 9).

See ``docs/formats.md`` for the value mapping and strict versus lenient reading.
"""

from aura_model.itf._decode import decode_value
from aura_model.itf._errors import ItfError
from aura_model.itf._trace import FORMAT_DESCRIPTION, Trace, dump_trace, dumps_trace, load_trace
from aura_model.itf._values import (
    ItfMap,
    Record,
    Seq,
    Unserializable,
    Variant,
    canonical_key,
    encode_value,
)

__all__ = [
    "FORMAT_DESCRIPTION",
    "ItfError",
    "ItfMap",
    "Record",
    "Seq",
    "Trace",
    "Unserializable",
    "Variant",
    "canonical_key",
    "decode_value",
    "dump_trace",
    "dumps_trace",
    "encode_value",
    "load_trace",
]
