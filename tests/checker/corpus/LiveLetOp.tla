------------------------------ MODULE LiveLetOp ------------------------------
(***************************************************************************)
(* LET definitions with parameters inside a temporal property: temporal   *)
(* (Ev, Inf, Reach, To) or not (Same), used under \A and by each other.   *)
(***************************************************************************)
\* features: property-check
EXTENDS Naturals
VARIABLES x, y
vars == <<x, y>>
Init == x = 0 /\ y = 0
IncX == x < 2 /\ x' = x + 1 /\ UNCHANGED y
Tog == y' = 1 - y /\ UNCHANGED x
Spec == Init /\ [][IncX \/ Tog]_vars /\ WF_vars(Tog) /\ WF_vars(IncX)
Good == LET Ev(v) == <>(x = v)
            Inf(v) == []<>(y = v)
            Same(a, b) == a = b
            Top == 2
        IN Ev(Top) /\ (\A v \in {0, 1} : Inf(v)) /\ <>Same(x, 1)
Bad == \A w \in {1, 3} : LET Reach(v, k) == <>(x = v + k) IN Reach(w, 0)
Lead == LET To(a, b) == (x = a) ~> (x = b) IN To(0, 2) /\ To(1, 0)
=============================================================================
