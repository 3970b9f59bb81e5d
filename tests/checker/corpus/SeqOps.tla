---- MODULE SeqOps ----
EXTENDS Naturals, Sequences, TLC
CONSTANT Msgs, Max
VARIABLES q, out
Init == q = <<>> /\ out = <<>>
Send(m) == Len(q) < Max /\ q' = Append(q, m) /\ UNCHANGED out
Recv == q # <<>> /\ out' = out \o <<Head(q)>> /\ q' = Tail(q)
Drop == Len(out) > 1 /\ out' = SubSeq(out, 2, Len(out)) /\ UNCHANGED q
Next == (\E m \in Msgs : Send(m)) \/ Recv \/ Drop
Evens(s) == SelectSeq(s, LAMBDA e : e % 2 = 0)
Inv == /\ q \in Seq(Msgs)
       /\ out \in Seq(Msgs)
       /\ Len(Evens(q)) <= Len(q)
       /\ \A i \in 1..Len(out) : out[i] \in Msgs
       /\ (q # <<>>) => (Head(q) = q[1])
       /\ SubSeq(q, 1, 0) = <<>>
       /\ Len(q \o out) = Len(q) + Len(out)
Limit == Len(out) <= 2
Total == Len(out) + Len(q) < 5
Spec == Init /\ [][Next]_<<q, out>>
====
