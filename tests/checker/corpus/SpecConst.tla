---- MODULE SpecConst ----
\* features: specification, constant-conjunct
\* A SPECIFICATION conjunct that is a definition of constant level: TLC evaluates it
\* with the constants, leaves it out of the initial predicate when TRUE, and calls
\* the spec trivially false when FALSE (exit 151); written in place it stays.
EXTENDS Naturals
VARIABLE x
CF == 1 = 2
CT == 1 = 1
Init == x = 0
Next == x' = 1 - x
SpecFalse == CF /\ Init /\ [][Next]_x
SpecTrue == CT /\ Init /\ [][Next]_x
SpecInPlace == (1 = 2) /\ Init /\ [][Next]_x
====
