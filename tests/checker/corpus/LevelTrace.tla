------------------------------ MODULE LevelTrace ------------------------------
(***************************************************************************)
(* A next-state relation that reads TLCGet("level"): steps taken early    *)
(* differ from steps taken late. The counterexample must show the steps   *)
(* the search took, so it is derived again with the levels of then.       *)
(***************************************************************************)
\* features: tlc-module, tlcget, invariant, trace
EXTENDS Naturals, TLC

VARIABLE x

Init == x \in {0, 1}

\* Small steps while the search is shallow, big ones below.
Next == IF TLCGet("level") < 3 THEN x' = x + 2 ELSE x' = x + 10

Bounded == x < 12

Typed == x \in Nat
=============================================================================
