------------------------------ MODULE LiveForms ------------------------------
(***************************************************************************)
(* Temporal properties TLC refuses before it searches, and their          *)
(* neighbours it checks: actions outside []<><<A>>_v and <>[][A]_v (exit   *)
(* 255), a clause made TRUE by a quantifier over the empty set (a         *)
(* tautology, exit 77); under [] the same constant is checked.             *)
(***************************************************************************)
\* features: property-check
EXTENDS Naturals
VARIABLES x
Init == x = 0
Next == x' = (x + 1) % 3
Spec == Init /\ [][Next]_x /\ WF_x(Next)
Fine == [](<><<Next>>_x) /\ <>([][Next]_x) /\ [](\A v \in {} : <>(x = v))
Mixed == <>([][Next]_x \/ [](x < 3))
Never == \E v \in {} : <>(x = v)
Taut == \A v \in {} : <>(x = v)
TautOr == <>(x = 2) \/ \A v \in {} : <>(x = v)
Impl == [][Next]_x => <>(x = 1)
Once == \A v \in {1} : <><<x' = v>>_x
=============================================================================
