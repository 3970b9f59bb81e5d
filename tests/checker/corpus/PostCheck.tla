------------------------------ MODULE PostCheck ------------------------------
(***************************************************************************)
(* A POSTCONDITION is evaluated once, after a complete search, with       *)
(* TLCGet answering the search's final figures ("stats", "distinct",      *)
(* "diameter", ...) and the registers as the search left them. False, or  *)
(* failing to evaluate, it ends the run with exit 10 (no verdict line).   *)
(***************************************************************************)
\* features: postcondition, tlcget, tlcset
EXTENDS Naturals, TLC

VARIABLES a, b

Init == a = 0 /\ b = 0 /\ TLCSet(3, 0)
Next == \/ a < 3 /\ a' = a + 1 /\ b' = b /\ TLCSet(3, TLCGet(3) + 1)
        \/ b < 2 /\ b' = b + 1 /\ a' = a

Counted == /\ TLCGet("stats").distinct = 12
           /\ TLCGet("distinct") = 12
           /\ TLCGet("diameter") = 6
           /\ TLCGet("stats").initial = 1
           /\ TLCGet(3) > 0
Miscounted == TLCGet("stats").distinct = 11
Broken == TLCGet("stats").nosuchfield = 1
=============================================================================
