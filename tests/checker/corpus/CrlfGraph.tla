---- MODULE CrlfGraph ----
(***************************************************************************)
(* Written with Windows line ends (CR LF), as some public specs are and    *)
(* as Graphs.tla in the Community Modules jar is; grows a graph edge by    *)
(* edge and checks it stays acyclic with that module's operators.          *)
(***************************************************************************)
\* features: crlf, community-modules, graphs, records
EXTENDS Naturals, FiniteSets, Graphs
Node == 1..3
VARIABLE g
Init == g = [node |-> Node, edge |-> {}]
Next == \E m, n \in Node :
          /\ m < n
          /\ <<m, n>> \notin g.edge
          /\ g' = [g EXCEPT !.edge = @ \cup {<<m, n>>}]
Acyclic == IsDag(g) /\ \A n \in Node : n \notin Descendants(g, n)
Sparse == Cardinality(Successors(g, 1)) < 2
====
