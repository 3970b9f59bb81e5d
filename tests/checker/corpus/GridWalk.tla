------------------------------ MODULE GridWalk ------------------------------
(***************************************************************************)
(* Two walkers on a grid, defined through an EXTENDS chain of two helper   *)
(* modules in the same folder (GridMoves extends GridBase).  The walkers   *)
(* never stand on the same cell; Apart claims they never become adjacent,  *)
(* which is false.                                                         *)
(***************************************************************************)
\* features: extends-chain, multi-module, local-definition, tuples, cartesian, set-map, let-in
EXTENDS GridMoves

VARIABLES a, b

Init == a = <<0, 0>> /\ b = <<Size - 1, Size - 1>>

MoveA == \E c \in Cells : Move(a, c) /\ c # b /\ a' = c /\ UNCHANGED b
MoveB == \E c \in Cells : Move(b, c) /\ c # a /\ b' = c /\ UNCHANGED a

Next == MoveA \/ MoveB

TypeOK == a \in Cells /\ b \in Cells /\ a # b

Apart == Distance(a, b) > 1

NeighbourCount == \A c \in Cells : Cardinality(Neighbours(c)) \in 2..4
=============================================================================
