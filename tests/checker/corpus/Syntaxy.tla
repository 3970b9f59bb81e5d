Some text before the module is ignored.
--------------------------- MODULE Syntaxy ---------------------------
(***************************************************************************)
(* A module (* with nested *) comments and odd layout.                     *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets, Sequences, TLC

CONSTANTS
    Node,   \* the nodes
    Root

VARIABLES
    parent,   (* parent pointers *)
    reached

LOCAL Helper(x) == x + 0

a \prec b == a < b
a ++ b == a \cup b
a ** b == {<<x, y>> : x \in a, y \in b}
S ^+ == S \cup {0}

Edges == {<<1, 2>>, <<2, 3>>, <<1, 3>>, <<3, 4>>}
Nbrs(n) == {m \in Node : <<n, m>> \in Edges \/ <<m, n>> \in Edges}

vars == << parent , reached >>

Init ≜ ∧ parent = [n ∈ Node ↦ n]
       ∧ reached = {Root}

Extend(n, m) ==
    /\ n \in reached
    /\ m \notin reached
    /\ m \in Nbrs(n)
    /\ parent' = [parent EXCEPT ![m] = n]
    /\ reached' = reached ++ {m}

Next == \E n, m \in Node : Extend(n, m)

Spec == Init /\ [][Next]_vars /\ WF_vars(Next)
-----------------------------------------------------------------------------
TypeOK == /\ parent \in [Node -> Node]
          /\ reached \subseteq Node

TreeOK ==
  \A n \in reached \ {Root} :
    /\ parent[n] \in reached
    /\ parent[n] \in Nbrs(n)

Facts == /\ 1 \prec 2
         /\ Helper(3) = 3
         /\ Cardinality({1, 2} ** {3, 4}) = 4
         /\ {1} ^+ = {0, 1}
         /\ \E x \in {1}: TRUE
         /\ LET g[i \in 1..3] == i * 2
                h(i) == g[i] + 1
            IN  h(3) = 7

AllReached == <>(reached = Node)

THEOREM Safety == Spec => []TypeOK
PROOF
  <1>1. Init => TypeOK
    BY DEF Init, TypeOK
  <1>2. TypeOK /\ [Next]_vars => TypeOK'
    OBVIOUS
  <1>3. QED
    BY <1>1, <1>2
LEMMA Trivial == TRUE
  OBVIOUS
=============================================================================
Text after the module is ignored, too.
