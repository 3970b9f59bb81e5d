---- MODULE ConstFalse ----
\* features: invariant, property, constant-level
\* An invariant or property of constant level is evaluated with the constants:
\* FALSE is a configuration error before any state (as in exercises written to fail).
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = (x + 1) % 3
Spec == Init /\ [][Next]_x
No == FALSE
Yes == TRUE
====
