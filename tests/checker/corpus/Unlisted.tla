------------------------------ MODULE Unlisted ------------------------------
(***************************************************************************)
(* Functions and sets TLC cannot list: EXCEPT changes one point of a      *)
(* function over Nat without listing it; testing a number for membership  *)
(* in SUBSET Nat, or a finite function for membership in [Nat -> Nat], is *)
(* an evaluation error in TLC (it compares a set with a number, a finite  *)
(* domain with Nat), not FALSE.                                           *)
(***************************************************************************)
\* features: infinite-domain-function, except-at, powerset, function-set, eval-error
EXTENDS Naturals

VARIABLE x

Zero == [n \in Nat |-> 0]
Bump(f, k) == [f EXCEPT ![k] = @ + k + 1]

Init == x = 0
Next == x < 4 /\ x' = Bump(Zero, x)[x]

Small == x <= 4
AsSet == x \in SUBSET Nat
AsFunction == <<x>> \in [Nat -> Nat]
=============================================================================
