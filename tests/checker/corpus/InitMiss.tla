---- MODULE InitMiss ----
EXTENDS Naturals
VARIABLES x, y
Init == x \in {1, 2}
Next == x' = x /\ y' = y
====
