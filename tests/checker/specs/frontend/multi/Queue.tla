---- MODULE Queue ----
EXTENDS Sequences
LOCAL INSTANCE Naturals
CONSTANT Msg
VARIABLE q
QInit == q = <<>>
Put(m) == Len(q) < 2 /\ m \in Msg /\ q' = Append(q, m)
Take == q # <<>> /\ q' = Tail(q)
====
