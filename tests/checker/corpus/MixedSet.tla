------------------------------ MODULE MixedSet ------------------------------
(***************************************************************************)
(* Found by the differential tests: TLC cannot order a set holding both  *)
(* an integer and a string, so CHOOSE over it (which needs the set in    *)
(* TLC's normal form) is an evaluation error ("Attempted to compare       *)
(* integer 1 with non-integer").  Tag is 1 or "one" depending on the cfg. *)
(***************************************************************************)
\* features: choose, strings, eval-error, differential
EXTENDS Naturals

CONSTANT Tag

VARIABLE pick

Init == pick = CHOOSE t \in {Tag, 2} : TRUE

Next == UNCHANGED pick

Picked == pick \in {Tag, 2}
=============================================================================
