------------------------------ MODULE Temporal ------------------------------
(***************************************************************************)
(* A counter that climbs to Top and may then rest.  The properties are    *)
(* built from temporal formulas with the ordinary connectives: a          *)
(* conjunction of []P and <>Q, an implication whose antecedent is a       *)
(* fairness condition, [] applied to an expression with a disjunction,   *)
(* and a named property used inside another.                              *)
(***************************************************************************)
\* features: liveness, fairness, temporal-conjunction, temporal-implication, fairness-in-property, always-in-expression
EXTENDS Naturals

CONSTANT Top

VARIABLE c

Init == c = 0
Up == c < Top /\ c' = c + 1
Rest == c = Top /\ UNCHANGED c
Next == Up \/ Rest

Spec     == Init /\ [][Next]_c
FairSpec == Spec /\ WF_c(Up)

Reaches == <>(c = Top)
Bounded == [](c <= Top)

Both        == Bounded /\ Reaches
IfFair      == WF_c(Up) => Reaches
Steady      == [](c < Top \/ c = Top) /\ <>[](c = Top)
Either      == Reaches \/ [](c < Top)
TooHigh     == Bounded /\ <>(c = Top + 1)
=============================================================================
