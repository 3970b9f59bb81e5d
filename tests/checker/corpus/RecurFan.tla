---- MODULE RecurFan ----
\* features: recursion, invariant, liveness
\* A recursive operator with three recursive calls, under an invariant and a
\* property: finding which definitions are temporal must look into each once,
\* not once per path through its calls (3^40 of them).
EXTENDS Naturals
VARIABLE x
RECURSIVE F(_)
F(n) == IF n = 0 THEN 1 ELSE F(n - 1) + F(n - 1) + F(n - 1)
Init == x = 0
Next == x' = IF x < 3 THEN x + 1 ELSE x
Spec == Init /\ [][Next]_x
Inv == F(x) = 3 ^ x
Small == F(x) < 27
Prop == [](F(x) >= 1)
====
