----------------------------- MODULE Stopwatch -----------------------------
(***************************************************************************)
(* A stopwatch display (seconds 0..Limit-1, running or not) plus a lap   *)
(* counter that grows without bound.  Only through VIEW, which leaves the *)
(* lap counter out of the fingerprint, is the state space finite; TLC     *)
(* then counts view classes.                                              *)
(***************************************************************************)
\* features: view, tlc-specific, records, boolean
EXTENDS Naturals

CONSTANT Limit

VARIABLES shown, running, laps

Init == shown = 0 /\ running = FALSE /\ laps = 0

Start == ~running /\ running' = TRUE /\ UNCHANGED <<shown, laps>>
Stop  == running /\ running' = FALSE /\ UNCHANGED <<shown, laps>>
Tick  == running /\ shown' = (shown + 1) % Limit /\ UNCHANGED running
         /\ laps' = IF shown = Limit - 1 THEN laps + 1 ELSE laps
Reset == ~running /\ shown # 0 /\ shown' = 0 /\ UNCHANGED <<running, laps>>

Next == Start \/ Stop \/ Tick \/ Reset

Display == [sec |-> shown, on |-> running]

TypeOK == shown \in 0..(Limit - 1) /\ running \in BOOLEAN
NeverFull == shown < Limit - 1
=============================================================================
