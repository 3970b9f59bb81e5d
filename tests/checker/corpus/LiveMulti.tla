------------------------------ MODULE LiveMulti ------------------------------
(***************************************************************************)
(* One counterexample, several properties: every fair behaviour keeps x   *)
(* cycling, so the lasso TLC prints violates A, B, G and H whichever it   *)
(* is, and satisfies C, D and E. TLC names all it violates, in the        *)
(* configuration's order.                                                  *)
(***************************************************************************)
\* features: property-check
EXTENDS Naturals
VARIABLES x, y
vars == <<x, y>>
Init == x = 0 /\ y = 0
IncX == x' = (x + 1) % 3 /\ UNCHANGED y
Tog == y' = 1 - y /\ UNCHANGED x
Spec == Init /\ [][IncX \/ Tog]_vars /\ WF_vars(IncX)
A == <>[](x = 0)
B == []<>(x = 5)
C == []<>(x = 2)
D == (x = 0) ~> (x = 1)
E == \A v \in {0, 1, 2} : []<>(x = v)
G == C /\ <>[](x # 1)
H == [](x < 3) /\ <>(x = 9)
=============================================================================
