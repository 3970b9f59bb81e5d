---- MODULE OnlyAssume ----
EXTENDS Naturals, FiniteSets, Sequences
CONSTANTS S, N, Nodes
ASSUME Cardinality(S) = 3
ASSUME NIsNat == N \in Nat
ASSUME \A n \in Nodes : n \in S \/ n = N
Fib[n \in 0..20] == IF n < 2 THEN n ELSE Fib[n-1] + Fib[n-2]
ASSUME Fib[10] = 55
====
