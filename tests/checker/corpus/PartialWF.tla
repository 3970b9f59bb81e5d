------------------------------ MODULE PartialWF ------------------------------
(***************************************************************************)
(* A token hops round a ring while a clock ticks in the same step. The    *)
(* fairness condition names the hop alone, WF_pos(Hop): Hop says nothing  *)
(* of the clock, so ENABLED <<Hop>>_pos must be decided with the clock    *)
(* left free. Stuttering forever is then unfair and the token must reach  *)
(* every place.                                                           *)
(***************************************************************************)
\* features: liveness, fairness, weak-fairness, enabled, eventually
EXTENDS Naturals

CONSTANT N

VARIABLES pos, clock

vars == <<pos, clock>>

Init == pos \in 0..N-1 /\ clock = 0

Hop == pos' = (pos + 1) % N

Tick == clock' = 1 - clock

Next == Hop /\ Tick

Spec == Init /\ [][Next]_vars /\ WF_pos(Hop)

UnfairSpec == Init /\ [][Next]_vars

\* A tick that leaves the token alone is always enabled and Next never takes
\* one, so no behaviour is fair: every property holds.
SideSpec == Init /\ [][Next]_vars /\ WF_clock(Tick /\ UNCHANGED pos)

ReachesZero == <>(pos = 0)

VisitsAll == \A p \in 0..N-1 : []<>(pos = p)
=============================================================================
