---- MODULE InitErr ----
EXTENDS Naturals
VARIABLES x, y
Init == x \in {1, 2} /\ y = (CHOOSE v \in {x} : v > 1)
Next == x' = x /\ y' = y
Init2 == x \in {1, 2} /\ y = x
Inv == y \div (x - 1) >= 0
====
