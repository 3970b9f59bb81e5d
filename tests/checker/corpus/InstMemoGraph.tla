---------------------------- MODULE InstMemoGraph ----------------------------
EXTENDS Naturals
CONSTANTS Nodes, Succ

\* Which nodes k steps lead to from m.
RECURSIVE Steps(_, _)
Steps(m, k) == [x \in Nodes |-> IF k = 0 THEN x = m
                                ELSE \E y \in Nodes : Steps(m, k - 1)[y] /\ x \in Succ[y]]
Path(m, n) == \E k \in 0..3 : Steps(m, k)[n]

\* The nodes reachable from S.
Reach(S) == {n \in Nodes : \E m \in S : Path(m, n)}

Strong == \A n \in Nodes : Reach({n}) = Nodes

Two(x) == INSTANCE InstMemoPair WITH A <- x, B <- Succ[x]
Pair(x) == Two(x)!Both
=============================================================================
