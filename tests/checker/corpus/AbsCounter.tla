---- MODULE AbsCounter ----
EXTENDS Naturals
CONSTANT Max
VARIABLE c
Init == c = 0
Inc == c < Max /\ c' = c + 1
Reset == c = Max /\ c' = 0
Spec == Init /\ [][Inc \/ Reset]_c /\ WF_c(Inc \/ Reset)
Live == []<>(c = Max)
====
