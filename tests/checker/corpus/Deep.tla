---- MODULE Deep ----
EXTENDS Naturals, Sequences
RECURSIVE Sum(_)
Sum(n) == IF n = 0 THEN 0 ELSE n + Sum(n - 1)
RECURSIVE Build(_, _)
Build(s, n) == IF n = 0 THEN s ELSE Build(Append(s, n), n - 1)
f[n \in 0..500] == IF n = 0 THEN 0 ELSE f[n - 1] + 1
VARIABLE x
Init == x = 0
Next == x < 2 /\ x' = x + 1
Inv == Sum(500) = 125250 /\ Len(Build(<<>>, 500)) = 500 /\ f[500] = 500
====
