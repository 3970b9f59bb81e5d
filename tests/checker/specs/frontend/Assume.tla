---- MODULE Assume ----
EXTENDS Naturals
CONSTANT N
ASSUME Positive == N > 0
ASSUME N > 5
VARIABLE x
Init == x = N
Next == x' = x
====
