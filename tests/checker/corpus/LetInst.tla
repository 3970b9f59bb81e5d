---- MODULE LetInst ----
(***************************************************************************)
(* Instances of a standard module by name (S == INSTANCE Sequences) and    *)
(* INSTANCE inside LET, whose WITH reads a name bound around the LET.      *)
(* Randomization is extended but not used: it only has to load.            *)
(***************************************************************************)
\* features: instance-named, instance-in-let, instance-with, randomization, standard-modules
EXTENDS Naturals, Randomization
S == INSTANCE Sequences
VARIABLE q
Init == q = <<>>
Next == /\ S!Len(q) < 3
        /\ \E k \in 1..2 : LET M == INSTANCE ScaleBy WITH K <- k
                           IN q' = S!Append(q, M!Times(S!Len(q) + 1))
Evens(n) == LET F == INSTANCE FiniteSets
            IN F!Cardinality({i \in 1..S!Len(q) : q[i] % 2 = 0}) <= n
Inv == Evens(3)
Few == Evens(1)
====
