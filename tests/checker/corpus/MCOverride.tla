---- MODULE MCOverride ----
EXTENDS Override
MCNat == 0..5
MCSeq(S) == UNION {[1..k -> S] : k \in 0..Limit}
====
