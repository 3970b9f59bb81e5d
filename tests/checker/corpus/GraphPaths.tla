---- MODULE GraphPaths ----
(***************************************************************************)
(* Graphs' SimplePath, AreConnectedIn and IsStronglyConnected, which the   *)
(* module defines over Seq(G.node), an infinite set (TLC computes them in  *)
(* Java): a ring of three nodes built edge by edge.                        *)
(***************************************************************************)
\* features: community-modules, graphs, infinite-sets, records
EXTENDS Naturals, FiniteSets, Graphs
Node == {"a", "b", "c"}
VARIABLE g
Init == g = [node |-> Node, edge |-> {}]
Next == \E e \in {<<"a", "b">>, <<"b", "c">>, <<"c", "a">>} :
          /\ e \notin g.edge
          /\ g' = [g EXCEPT !.edge = @ \cup {e}]
Inv == /\ \A p \in SimplePath(g) : Len(p) <= 3
       /\ Cardinality(SimplePath(g)) = <<3, 4, 6, 9>>[Cardinality(g.edge) + 1]
       /\ AreConnectedIn("a", "a", g)
       /\ ~AreConnectedIn("a", "z", g)
       /\ (AreConnectedIn("c", "b", g) => <<"c", "a">> \in g.edge)
Weak == ~IsStronglyConnected(g)
====
