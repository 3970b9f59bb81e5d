------------------------------- MODULE Lamp -------------------------------
(***************************************************************************)
(* A lamp that a flaky switch turns on only when the power is up; power  *)
(* flickers.  Turning on is enabled infinitely often but not continuously, *)
(* so weak fairness does not make the lamp light, strong fairness does.   *)
(***************************************************************************)
\* features: liveness, fairness, strong-fairness, weak-fairness, eventually
EXTENDS Naturals

VARIABLES power, lit

vars == <<power, lit>>

Init == power = FALSE /\ lit = FALSE

Flicker == ~lit /\ power' = ~power /\ UNCHANGED lit
SwitchOn == power /\ ~lit /\ lit' = TRUE /\ UNCHANGED power
Glow == lit /\ UNCHANGED vars

Next == Flicker \/ SwitchOn \/ Glow

WeakSpec   == Init /\ [][Next]_vars /\ WF_vars(Flicker) /\ WF_vars(SwitchOn)
StrongSpec == Init /\ [][Next]_vars /\ WF_vars(Flicker) /\ SF_vars(SwitchOn)

Lights == <>lit
StaysLit == <>[]lit
=============================================================================
