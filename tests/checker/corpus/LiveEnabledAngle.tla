---------------------------- MODULE LiveEnabledAngle ----------------------------
(***************************************************************************)
(* A flag flips forever; A may fire only while it is up. ENABLED <<A>>_v  *)
(* inside a property is a state predicate (its subscripted action is no   *)
(* step of the behaviour): []<>ENABLED <<A>>_vars fails once A has fired. *)
(***************************************************************************)
\* features: property-check
EXTENDS Naturals
VARIABLES t, done
vars == <<t, done>>
Init == t = 0 /\ done = FALSE
Flip == t' = 1 - t /\ UNCHANGED done
A == t = 1 /\ ~done /\ done' = TRUE /\ UNCHANGED t
Next == Flip \/ A
Spec == Init /\ [][Next]_vars /\ WF_vars(Next) /\ SF_vars(A)
OftenEnabled == []<>ENABLED <<A>>_vars
EventuallyOff == <>[]~ENABLED <<A>>_vars
=============================================================================
