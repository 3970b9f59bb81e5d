----------------------------- MODULE MinuteHand -----------------------------
(***************************************************************************)
(* An hour-and-minute clock (minutes counted in steps of Step) that       *)
(* refines an hour-only clock: with the refinement mapping hr <- hour,    *)
(* every minute step is a stutter of the hour clock and every wrap of    *)
(* the minutes is a tick of the hour.  An unnamed INSTANCE brings the     *)
(* abstract definitions into this module.                                 *)
(***************************************************************************)
\* features: refinement, instance-unnamed, instance-named, action-property, multi-module, if-then-else
EXTENDS Naturals

CONSTANT Step

VARIABLES hour, minute

INSTANCE HourOnly WITH hr <- hour

Wrong == INSTANCE HourOnly WITH hr <- (IF minute = 40 THEN 1 ELSE hour)

vars == <<hour, minute>>

Init == hour \in 1..12 /\ minute = 0

Tick == IF minute + Step < 60
        THEN minute' = minute + Step /\ UNCHANGED hour
        ELSE minute' = 0 /\ hour' = IF hour = 12 THEN 1 ELSE hour + 1

Spec == Init /\ [][Tick]_vars

Refines == HSpec
RefinesWrong == Wrong!HSpec

Types == HTypeOK /\ minute \in 0..59
=============================================================================
