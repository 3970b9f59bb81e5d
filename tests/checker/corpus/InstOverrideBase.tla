--------------------------- MODULE InstOverrideBase ---------------------------
(* Instantiated by InstOverride: its constant Cap is always substituted.   *)
EXTENDS Naturals
CONSTANT Cap
Limit == Cap
Bump(v) == v + 1
=============================================================================
