---- MODULE Order ----
\* features: enumeration-order
\* Two invariants fail in states of the same depth: which TLC reports, and the
\* counts when it stops, follow the order it enumerates sets in.
EXTENDS Naturals, FiniteSets
CONSTANTS M1, M2, M3
VARIABLES x, y
Init == x = 0 /\ y = {}
Pick == x' \in {M3, M1, M2} /\ y' = y
Grow == \E s \in SUBSET {3, 1, 2} : y' = s /\ x' = x
Next == Pick \/ Grow
NotM2 == x # M2
NotM1 == x # M1
NotPair == Cardinality(y) # 2
NotThree == y # {3}
Spec == Init /\ [][Next]_<<x, y>>
====
