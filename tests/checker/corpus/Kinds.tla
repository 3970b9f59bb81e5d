------------------------------- MODULE Kinds -------------------------------
(***************************************************************************)
(* TLC compares values of one kind only: it sorts a set's elements to      *)
(* fingerprint it, and stops with "Attempted to compare integer 1 with     *)
(* non-integer: TRUE" when a set would hold TRUE and 1, or records whose   *)
(* field is 0 in one and "two" in another.  Model values are the          *)
(* exception: unequal to everything else, comparable with anything.       *)
(* Python's True == 1 made the checker merge {TRUE, 1} into one element.  *)
(***************************************************************************)
\* features: eval-error, model-values, boolean, records, strings, case-other
EXTENDS Naturals

CONSTANT Case, None

VARIABLES n, seen

Item(k) ==
  CASE Case = "bool"  -> IF k = 2 THEN TRUE ELSE k
    [] Case = "none"  -> IF k = 2 THEN None ELSE k
    [] Case = "field" -> [v |-> IF k = 2 THEN "two" ELSE k]
    [] Case = "tuple" -> <<k, k % 2 = 0>>
    [] OTHER          -> k

Init == n = 0 /\ seen = {}

Next == n < 3 /\ n' = n + 1 /\ seen' = seen \cup {Item(n)}

Counted == n = 0 \/ Item(n - 1) \in seen
AllNat == \A s \in seen : s \in Nat
Done == n \in (0..2) \cup {"three"}
=============================================================================
