---------------------------- MODULE CaptureGraph ----------------------------
EXTENDS Naturals
CONSTANTS Nodes, Link

\* S and the nodes one link away.
Reach(S) == {n \in Nodes : \E m \in S : n = m \/ n \in Link[m]}

\* From x and its successors, one more link reaches exactly two links from x.
TwoSteps(x) == \A n \in {x} : Reach({n} \cup Link[n])
                              = {n} \cup Link[n] \cup UNION {Link[k] : k \in Link[n]}
=============================================================================
