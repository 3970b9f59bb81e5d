---- MODULE ChangRob ----
EXTENDS Naturals, Sequences, FiniteSets
CONSTANTS N, Id
ASSUME Id \in Seq(Nat) /\ Len(Id) = N
Node == 1 .. N
succ(n) == IF n = N THEN 1 ELSE n + 1
VARIABLES msgs, pc, initiator
vars == <<msgs, pc, initiator>>
Init == /\ msgs = [n \in Node |-> <<>>]
        /\ pc = [n \in Node |-> "start"]
        /\ initiator \in SUBSET Node
Initiate(n) == /\ pc[n] = "start" /\ n \in initiator
               /\ msgs' = [msgs EXCEPT ![succ(n)] = Append(@, Id[n])]
               /\ pc' = [pc EXCEPT ![n] = "wait"]
               /\ UNCHANGED initiator
Passive(n) == /\ pc[n] = "start" /\ n \notin initiator
              /\ pc' = [pc EXCEPT ![n] = "lost"]
              /\ UNCHANGED <<msgs, initiator>>
Receive(n) == /\ msgs[n] # <<>>
              /\ LET id == Head(msgs[n])
                     rest == [msgs EXCEPT ![n] = Tail(@)]
                 IN  CASE id < Id[n] -> /\ msgs' = rest
                                        /\ pc' = [pc EXCEPT ![n] = IF @ = "start" THEN "lost" ELSE @]
                       [] id > Id[n] -> /\ msgs' = [rest EXCEPT ![succ(n)] = Append(@, id)]
                                        /\ pc' = [pc EXCEPT ![n] = "lost"]
                       [] OTHER -> /\ msgs' = rest
                                   /\ pc' = [pc EXCEPT ![n] = "won"]
              /\ UNCHANGED initiator
Next == \E n \in Node : Initiate(n) \/ Passive(n) \/ Receive(n)
Spec == Init /\ [][Next]_vars /\ WF_vars(Next)
Elected == {n \in Node : pc[n] = "won"}
AtMostOne == Cardinality(Elected) <= 1
NoneElected == Elected = {}
MaxId == CHOOSE i \in {Id[n] : n \in Node} : \A j \in {Id[n] : n \in Node} : i >= j
Correct == \A n \in Elected : Id[n] = MaxId
Terminates == (initiator # {}) => <>(Elected # {})
Stable == [](Elected # {} => [](Elected # {}))
====
