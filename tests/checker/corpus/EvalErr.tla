---- MODULE EvalErr ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = x + 1
Inv == IF x = 2 THEN 1 \div 0 = 0 ELSE TRUE
Two == \/ x < 2
       \/ x \div 0 = 1
====
