---- MODULE Override ----
EXTENDS Integers, Sequences, FiniteSets
CONSTANT Vals, Limit
VARIABLE s, n
Init == s = <<>> /\ n = 0
Next == \/ Len(s) < Limit /\ \E v \in Vals : s' = Append(s, v) /\ UNCHANGED n
        \/ n' \in Nat /\ n' = n + 1 /\ n < 2 /\ UNCHANGED s
TypeOK == s \in Seq(Vals) /\ n \in Nat /\ [i \in 1..n |-> i] \in [1..n -> Nat]
FunOK == [v \in Vals |-> n] \in [Vals -> Nat]
Int2 == (-1) \notin Nat /\ {n} \subseteq Int
Spec == Init /\ [][Next]_<<s, n>>
====
