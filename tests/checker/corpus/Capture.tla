------------------------------- MODULE Capture -------------------------------
(***************************************************************************)
(* Operators that read the state, or come from a parameterised instance,   *)
(* are expanded where they are called. Their own bound names must not      *)
(* capture the caller's: Below(n) binds an n of its own, and so does the   *)
(* instance's Reach(S), called with {n} \cup Link[n] for a caller's n.     *)
(***************************************************************************)
\* features: operator, quantifier, instance, parameterised-instance, invariant
EXTENDS Naturals

CONSTANT N

VARIABLE level

Nodes == 1..N

\* The nodes below n at the current level.
Below(x) == {n \in Nodes : n < x /\ n <= level}

\* Some node above x within reach of the level.
Above(x) == \E n \in Nodes : n > x /\ n <= level + 1

G(Link) == INSTANCE CaptureGraph WITH Nodes <- Nodes

Chain == [n \in Nodes |-> IF n < N THEN {n + 1} ELSE {}]

Init == level = 0
Next == level' = (level + 1) % (N + 1)

BelowOk == \A n \in Nodes : Below(n) = {k \in Nodes : k < n /\ k <= level}
AboveOk == \A n \in Nodes : Above(n) = (n < N /\ n < level + 1)
ReachOk == \A n \in Nodes : G(Chain)!TwoSteps(n)

\* Wrong on purpose: the nodes below 2 are not all of 1..level.
BelowWrong == \A n \in Nodes : n = 2 => Below(n) = 1..level
=============================================================================
