------------------------------ MODULE PrefixBind ------------------------------
(***************************************************************************)
(* SUBSET and UNION bind tighter than the set operators (SANY gives them   *)
(* levels 10-13, \cup, \cap and \ level 8): SUBSET Nodes \ {{}} is the     *)
(* non-empty subsets, not SUBSET (Nodes \ {{}}), and UNION Groups \cup     *)
(* Extra is a set of numbers, not the union of a set holding a number.     *)
(***************************************************************************)
\* features: operator-precedence, subset, union
EXTENDS Naturals

Nodes == {1, 2, 3}
Groups == {{1, 2}, {3}}
Extra == {4}

VARIABLES chosen, v

Init == chosen \in SUBSET Nodes \ {{}} /\ v = 0
Next == \E w \in UNION Groups \cup Extra :
          /\ w > v
          /\ v' = w
          /\ chosen' = chosen
NonEmpty == chosen # {}
=============================================================================
