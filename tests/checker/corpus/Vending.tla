------------------------------- MODULE Vending -------------------------------
(***************************************************************************)
(* A vending machine priced with CASE: OTHER covers unknown items in the  *)
(* careful price list, while the strict list has no OTHER arm, so asking *)
(* it for an unlisted item is an evaluation error in TLC.                 *)
(***************************************************************************)
\* features: case-other, case-no-other, strings, records, eval-error
EXTENDS Naturals

CONSTANT Menu, Strict

VARIABLES credit, last

Price(item) == CASE item = "tea" -> 2
               []   item = "soup" -> 3
               []   OTHER -> 4

StrictPrice(item) == CASE item = "tea" -> 2
                     []   item = "soup" -> 3

Cost(item) == IF Strict THEN StrictPrice(item) ELSE Price(item)

Init == credit = 0 /\ last = [item |-> "none", paid |-> 0]

Coin == credit < 4 /\ credit' = credit + 1 /\ UNCHANGED last

Buy == \E i \in Menu : /\ Cost(i) <= credit
                       /\ credit' = credit - Cost(i)
                       /\ last' = [item |-> i, paid |-> Cost(i)]

Next == Coin \/ Buy

Fair == last.paid = CASE last.item = "none" -> 0 [] OTHER -> Price(last.item)
=============================================================================
