------------------------------ MODULE ZeroPower ------------------------------
(***************************************************************************)
(* Found by the differential tests: TLC refuses 0 ^ 0 ("0^0 is           *)
(* undefined.").  A counter raises Base to the power of its value; with   *)
(* Base = 0 the initial state already computes 0 ^ 0.                     *)
(***************************************************************************)
\* features: arith, eval-error, differential
EXTENDS Naturals

CONSTANT Base

VARIABLES e, p

Init == e = 0 /\ p = Base ^ e

Next == e < 3 /\ e' = e + 1 /\ p' = Base ^ e'

Grows == p >= 0
=============================================================================
