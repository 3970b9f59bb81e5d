---- MODULE SymLive ----
EXTENDS Naturals, FiniteSets, TLC
CONSTANTS Proc
VARIABLES holder, waiting, count
Init == holder = {} /\ waiting = Proc /\ count = 0
Acquire(p) == /\ holder = {} /\ p \in waiting
              /\ holder' = {p} /\ waiting' = waiting \ {p}
              /\ count' = (count + 1) % 3
Release(p) == /\ holder = {p}
              /\ holder' = {} /\ waiting' = waiting \cup {p}
              /\ UNCHANGED count
Next == \E p \in Proc : Acquire(p) \/ Release(p)
vars == <<holder, waiting, count>>
Spec == Init /\ [][Next]_vars /\ \A p \in Proc : WF_vars(Release(p)) /\ SF_vars(Acquire(p))
WeakSpec == Init /\ [][Next]_vars /\ \A p \in Proc : WF_vars(Release(p)) /\ WF_vars(Acquire(p))
Sym == Permutations(Proc)
Served == \A p \in Proc : []<>(p \in holder)
Progress == []<>(holder # {})
CountView == <<holder, waiting>>
====
