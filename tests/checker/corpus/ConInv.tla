---- MODULE ConInv ----
EXTENDS Naturals
VARIABLE x, y
Init == x = 0 /\ y = 0
Next == \/ x' = x + 1 /\ y' = y
        \/ y' = y + 1 /\ x' = x /\ y < 2
Con == x <= 2
ACon == x' # 3
Inv == x < 3
Inv2 == y < 2
====
