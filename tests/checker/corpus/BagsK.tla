---- MODULE BagsK ----
EXTENDS Naturals, Bags, FiniteSets, TLC
CONSTANT Items, Cap
VARIABLES inbox, done
Init == inbox = EmptyBag /\ done = SetToBag({})
Put(i) == BagCardinality(inbox) < Cap /\ inbox' = inbox (+) SetToBag({i}) /\ UNCHANGED done
Take(i) == BagIn(i, inbox) /\ inbox' = inbox (-) SetToBag({i}) /\ done' = done (+) SetToBag({i})
Next == \E i \in Items : Put(i) \/ Take(i)
TypeOK == /\ IsABag(inbox) /\ IsABag(done)
          /\ BagToSet(inbox) \subseteq Items
          /\ \A i \in Items : CopiesIn(i, inbox) <= Cap
          /\ BagCardinality(inbox) <= Cap
          /\ inbox \sqsubseteq (inbox (+) done)
Bound == BagCardinality(done) <= 3
Few == \A i \in Items : CopiesIn(i, done) < 2
Spec == Init /\ [][Next]_<<inbox, done>>
====
