------------------------------ MODULE Election ------------------------------
(***************************************************************************)
(* Nodes (model values) elect the node with the smallest rank; Nobody is *)
(* a model value that is not a node, and Boss is a constant naming one   *)
(* of the node model values.  Messages are records in a set.             *)
(***************************************************************************)
\* features: model-values, model-value-constant, records, set-ops, choose, exists-actions, liveness, fairness
EXTENDS Naturals, FiniteSets

CONSTANTS Nodes, Nobody, Boss, Rank

VARIABLES leader, msgs

vars == <<leader, msgs>>

Init == leader = [n \in Nodes |-> Nobody] /\ msgs = {}

Announce(n) == /\ leader[n] = Nobody
               /\ msgs' = msgs \cup {[from |-> n, rank |-> Rank[n]]}
               /\ leader' = [leader EXCEPT ![n] = n]

Hear(n) == \E m \in msgs :
             /\ leader[n] # Nobody
             /\ m.rank < Rank[leader[n]]
             /\ leader' = [leader EXCEPT ![n] = m.from]
             /\ UNCHANGED msgs

Next == \E n \in Nodes : Announce(n) \/ Hear(n)

Ranking == [n \in Nodes |-> IF n = Boss THEN 1 ELSE 5]

UnfairSpec == Init /\ [][Next]_vars

Spec == Init /\ [][Next]_vars /\ \A n \in Nodes : WF_vars(Announce(n)) /\ WF_vars(Hear(n))

Best == CHOOSE n \in Nodes : \A o \in Nodes : Rank[n] <= Rank[o]

TypeOK == \A n \in Nodes : leader[n] \in Nodes \cup {Nobody}
Agreed == <>[](\A n \in Nodes : leader[n] = Best)
BossWins == <>(\A n \in Nodes : leader[n] = Boss)
=============================================================================
