---- MODULE Cell ----
\* A counter modulo Limit + 1; instantiated by Grid.
EXTENDS Naturals

CONSTANT Limit

VARIABLE val

Inc == val < Limit /\ val' = val + 1

Reset == val = Limit /\ val' = 0

Ok == val \in 0..Limit
====
