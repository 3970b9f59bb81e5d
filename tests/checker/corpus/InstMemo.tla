------------------------------- MODULE InstMemo -------------------------------
(***************************************************************************)
(* Definitions of a parameterised instance that read no state are          *)
(* remembered by the values of their arguments and of the bound names the  *)
(* instance's substitutions read (P(G)!Reach({n}) with G bound to the      *)
(* state's graph). The memo must tell states apart (NoneStrong fails only  *)
(* once the graph is strongly connected), must not be used when a          *)
(* substitution reads a variable (P(edges)), and the instance's own bound  *)
(* names (Reach binds an n) must not capture a caller's n read by the      *)
(* substitution. Pair goes through a parameterised instance inside the     *)
(* instantiated module.                                                    *)
(***************************************************************************)
\* features: operator, quantifier, instance, parameterised-instance, invariant
EXTENDS Naturals

CONSTANT N

VARIABLES edges, round

Nodes == 1..N

P(Succ) == INSTANCE InstMemoGraph

\* What n reaches in the current graph, computed without the instance.
Closure(n) ==
  LET R[k \in 0..N] == IF k = 0 THEN {n} ELSE R[k-1] \cup UNION {edges[m] : m \in R[k-1]}
  IN R[N]

Init == edges = [n \in Nodes |-> {}] /\ round = 0
Next == \/ /\ round < 3
           /\ round' = round + 1
           /\ \E a, b \in Nodes : a # b /\ edges' = [edges EXCEPT ![a] = @ \cup {b}]
        \/ round = 3 /\ UNCHANGED <<edges, round>>

ReachBound == \A G \in {edges} : \A n \in Nodes : P(G)!Reach({n}) = Closure(n)
ReachState == \A n \in Nodes : P(edges)!Reach({n}) = Closure(n)
\* The substitution reads the caller's n; Reach binds an n of its own.
ReachCut == \A G \in {edges} : \A n \in Nodes :
              P([k \in Nodes |-> IF k = n THEN {} ELSE G[k]])!Reach({n}) = {n}
PairOk == \A G \in {edges} : \A n \in Nodes : P(G)!Pair(n) = <<n, G[n]>>
StrongOk == \A G \in {edges} : P(G)!Strong = (\A n \in Nodes : Closure(n) = Nodes)

\* Wrong on purpose: three edges make a cycle through every node.
NoneStrong == \A G \in {edges} : ~P(G)!Strong
=============================================================================
