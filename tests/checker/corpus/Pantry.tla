------------------------------- MODULE Pantry -------------------------------
(***************************************************************************)
(* A pantry as a bag (multiset) of items from the Bags module: stocking   *)
(* adds a copy with (+), cooking removes two different items with (-).    *)
(***************************************************************************)
\* features: bags, set-ops, cardinality
EXTENDS Naturals, Bags, FiniteSets

CONSTANTS Items, Room

VARIABLE shelf

Init == shelf = EmptyBag

Stock == \E i \in Items : /\ BagCardinality(shelf) < Room
                          /\ shelf' = shelf (+) SetToBag({i})

Cook == \E i, j \in BagToSet(shelf) :
            /\ i # j
            /\ shelf' = shelf (-) SetToBag({i, j})

Next == Stock \/ Cook

TypeOK == /\ IsABag(shelf)
          /\ BagToSet(shelf) \subseteq Items
          /\ BagCardinality(shelf) <= Room
          /\ \A i \in Items : CopiesIn(i, shelf) = IF BagIn(i, shelf) THEN shelf[i] ELSE 0

Sub == EmptyBag \sqsubseteq shelf
NoTriple == \A i \in Items : CopiesIn(i, shelf) < 3
=============================================================================
