----------------------------- MODULE FilterMember -----------------------------
(***************************************************************************)
(* x \in {y \in S : P} with S a set of subsets, functions or records is     *)
(* tested as TLC tests it: x \in S, then P for y = x, without building the  *)
(* filter. So a P that fails on other members of S is no error (Div: 6 \div *)
(* h[1] for an h with h[1] = 0), a filter reading the state (Parts, 1..n)   *)
(* is not built at every state, and the filter may read bound names of the  *)
(* caller (Own).                                                           *)
(***************************************************************************)
\* features: set-filter, invariant
EXTENDS Naturals

VARIABLES n, g

Init == n = 1 /\ g \in [1..1 -> 0..2]
Next == \/ n < 3 /\ n' = n + 1 /\ g' \in [1..n+1 -> 0..2]
        \/ g' \in [1..n -> 0..2] /\ UNCHANGED n

\* The partitions of 1..n.
Parts == {P \in SUBSET SUBSET (1..n) :
            /\ UNION P = 1..n
            /\ {} \notin P
            /\ \A A, B \in P : A # B => A \cap B = {}}

Div == {h \in [1..n -> 0..2] : 6 \div h[1] >= 3}

Rec == {r \in [a : 0..2, b : 1..n] : r.a = g[1]}

PartsOk == /\ {{i} : i \in 1..n} \in Parts
           /\ {1..n} \in Parts
           /\ n > 1 => {{1}, 1..n} \notin Parts
           /\ {} \in Parts <=> n = 0
DivOk == g[1] # 0 => (g \in Div <=> 6 \div g[1] >= 3)
RecOk == [a |-> g[1], b |-> n] \in Rec /\ [a |-> g[1], b |-> n + 1] \notin Rec
Single(S) == \E x \in S : S = {x}
Own == \A k \in 1..n : {k} \in {S \in SUBSET (1..n) : k \in S /\ Single(S)}

\* Wrong on purpose: g is all ones at some point of 1..3.
NotAllOnes == n < 3 \/ g \notin {h \in [1..n -> 0..2] : \A i \in 1..n : h[i] = 1}
=============================================================================
