------------------------------- MODULE Relay -------------------------------
(***************************************************************************)
(* A baton passed round a ring of runners.  Each runner may pass it on,   *)
(* or drop out of the race for good once it has run a lap.  Liveness:     *)
(* every runner eventually holds the baton again.  Weak fairness of Pass  *)
(* is enough when nobody drops out; with dropping out allowed, fairness   *)
(* does not help.                                                          *)
(***************************************************************************)
\* features: liveness, fairness, weak-fairness, leads-to, always-eventually, exists-actions
EXTENDS Naturals

CONSTANT N

VARIABLES holder, out

vars == <<holder, out>>

Ring == 0..(N - 1)

Init == holder = 0 /\ out = FALSE

Pass == holder' = (holder + 1) % N /\ UNCHANGED out

Drop == ~out /\ holder = N - 1 /\ out' = TRUE /\ UNCHANGED holder

Rest == out /\ UNCHANGED vars

Next == (~out /\ Pass) \/ Drop \/ Rest

FairSpec   == Init /\ [][~out /\ Pass]_vars /\ WF_vars(~out /\ Pass)
UnfairSpec == Init /\ [][~out /\ Pass]_vars
DropSpec   == Init /\ [][Next]_vars /\ WF_vars(~out /\ Pass)

EveryoneRuns == \A r \in Ring : []<>(holder = r)
BackToStart  == (holder = 1) ~> (holder = 0)
=============================================================================
