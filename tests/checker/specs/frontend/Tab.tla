---- MODULE Tab ----
EXTENDS Naturals
VARIABLE x, y
Init ==	/\ x = 0
	/\ y \in 0..2
Next == x' = x /\ y' = y
====
