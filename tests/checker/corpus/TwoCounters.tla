---- MODULE TwoCounters ----
EXTENDS Naturals
CONSTANT Max
VARIABLE a, b
Init == a = 0 /\ b = 0
IncA == a + b < Max /\ a' = a + 1 /\ b' = b
IncB == a + b < Max /\ b' = b + 1 /\ a' = a
Reset == a + b = Max /\ a' = 0 /\ b' = 0
vars == <<a, b>>
Spec == Init /\ [][IncA \/ IncB \/ Reset]_vars /\ WF_vars(IncA \/ IncB) /\ WF_vars(Reset)
WeakSpec == Init /\ [][IncA \/ IncB \/ Reset]_vars /\ WF_vars(IncA)
Abs == INSTANCE AbsCounter WITH c <- a + b
AbsSpec == Abs!Spec
AbsLive == Abs!Live
====
