------------------------------ MODULE LiveLet ------------------------------
(***************************************************************************)
(* LET inside a temporal property: its definitions (state-level or        *)
(* temporal themselves) are expanded where the body uses them.            *)
(***************************************************************************)
\* features: property-check
EXTENDS Naturals
VARIABLES x, y
vars == <<x, y>>
Init == x = 0 /\ y = 0
IncX == x < 2 /\ x' = x + 1 /\ UNCHANGED y
Tog == y' = 1 - y /\ UNCHANGED x
Next == IncX \/ Tog
Spec == Init /\ [][Next]_vars /\ WF_vars(Tog) /\ WF_vars(IncX)
Both == LET top == 2
            F == <>(x = top)
            G == []<>(y = 1)
        IN F /\ G
Forever == LET F == <>(x = 3) IN []F
=============================================================================
