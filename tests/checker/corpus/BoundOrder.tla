---- MODULE BoundOrder ----
\* features: multi-bound-exists, successor-order, init-order
EXTENDS Naturals
VARIABLES x, y
Init == \E a, b \in 1..3 : a < b /\ x = a /\ y = b
Next == \E d, e \in 0..2, f \in {0, 1} : x' = x + d + f /\ y' = y + 2 * e
Inv == x + 2 * y # 13
====
