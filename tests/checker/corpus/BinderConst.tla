---- MODULE BinderConst ----
\* features: constant-binder-fold, set-map, set-filter, function-constructor, subset-enumeration
EXTENDS Naturals
CONSTANT N
VARIABLES s, k
Procs == 1..N
Init == s = {} /\ k = 0
Next ==
    \/ /\ k < 2
       /\ \E r \in SUBSET {<<p, "e">> : p \in Procs} :
             /\ r \subseteq (s \cup {<<p, "e">> : p \in {q \in Procs : q > 1}})
             /\ s' = r
             /\ k' = k + 1
    \/ /\ k = 2
       /\ s' = {[i \in Procs |-> i * 2][j] : j \in Procs} \cup {x \in s : x[1] > 2}
       /\ k' = 3
Inv == k = 3 => 6 \notin s
====
