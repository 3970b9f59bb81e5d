------------------------------ MODULE Courier ------------------------------
(***************************************************************************)
(* A one-value courier channel as a record with a value and two bits:    *)
(* the sender may put a value only when rdy = ack, the receiver takes it *)
(* by flipping ack.  Written after the style of the asynchronous         *)
(* interface in Specifying Systems, with our own names and a bad variant *)
(* where the sender does not wait.                                        *)
(***************************************************************************)
\* features: records, record-set, except-nested, boolean, unchanged, exists-actions, nested-comments
EXTENDS Naturals, Sequences

CONSTANTS Data, Patient

VARIABLES chan, log

(* This comment (* nests *) another one. *)
\* A string may hold "(*" without opening a comment:
Opener == "(*"

TypeOK == /\ chan \in [val : Data, rdy : {0, 1}, ack : {0, 1}]
          /\ log \in 0..3

Init == /\ chan \in [val : Data, rdy : {0}, ack : {0}]
        /\ log = 0

Send(d) == /\ chan.rdy = chan.ack \/ ~Patient
           /\ chan' = [chan EXCEPT !.val = d, !.rdy = 1 - @]
           /\ log' = IF chan.rdy # chan.ack THEN (log + 1) % 4 ELSE log

Rcv == /\ chan.rdy # chan.ack
       /\ chan' = [chan EXCEPT !.ack = 1 - @]
       /\ UNCHANGED log

Next == (\E d \in Data : Send(d)) \/ Rcv

NothingLost == log = 0 /\ Len(Opener) = 2
=============================================================================
