---- MODULE CommFast ----
(***************************************************************************)
(* Community Module operators TLC computes in Java: kSubset over 1..24     *)
(* (2^24 subsets by the definition), Quantify, Max and Min, and SetToSeq,  *)
(* whose order of strings is TLC's interning order, which the words of     *)
(* the SequencesExt module itself take part in.                            *)
(***************************************************************************)
\* features: community-modules, strings, string-order, choose
EXTENDS Naturals, FiniteSets, SequencesExt, FiniteSetsExt
VARIABLE w
Words == {"t", "l", "a", "p", "u", "s"}
Init == w = SetToSeq(Words)
Next == \E i \in 1..Len(w) - 1 :
          /\ w[i] # "a"
          /\ w' = [w EXCEPT ![i] = w[i + 1], ![i + 1] = w[i]]
First == w[1] # "a" \/ w[2] # "p"
Inv == /\ kSubset(24, 1..24) = {1..24}
       /\ Cardinality(kSubset(2, 1..6)) = 15
       /\ Quantify(1..Len(w), LAMBDA i : w[i] \in {"s", "t"}) = 2
       /\ Max({Len(w), 3, 9}) = 9 /\ Min({Len(w), 3, 9}) = 3
       /\ (CHOOSE x \in Words : TRUE) = Head(SetToSeq(Words))
====
