---- MODULE EffectsUnfolded ----
\* features: tlc-registers, constant-folding
\* TLCSet, TLCGet and Print with constant arguments are evaluated in their turn,
\* never ahead of it: the THEN branch below is never taken, so the register keeps 0.
EXTENDS TLC, Naturals
VARIABLE x
Init == /\ x = 0
        /\ TLCSet(1, 0)
Bump == TLCSet(1, 99)
Next == /\ x < 2
        /\ IF x > 100 THEN Bump ELSE TRUE
        /\ IF x > 100 THEN TLCSet(1, 98) ELSE TRUE
        /\ x' = x + 1
Inv == TLCGet(1) = 0
Spec == Init /\ [][Next]_x
====
