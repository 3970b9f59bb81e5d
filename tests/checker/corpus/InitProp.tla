------------------------------ MODULE InitProp ------------------------------
(***************************************************************************)
(* A state-level PROPERTY is checked on the initial states only; one that *)
(* fails there is "violated by the initial state", as is an invariant.    *)
(***************************************************************************)
\* features: property-check
EXTENDS Naturals
VARIABLES x
Init == x \in {0, 1}
Next == x' = (x + 1) % 3
Spec == Init /\ [][Next]_x
StartsAtZero == x = 0
Small == x < 2
Bounded == [](x < 1)
=============================================================================
