---- MODULE Counter ----
EXTENDS Naturals
CONSTANT Limit
VARIABLE c
LOCAL Succ(v) == v + 1
CInit == c = 0
CStep == c < Limit /\ c' = Succ(c)
====
