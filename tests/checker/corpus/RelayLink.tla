----------------------------- MODULE RelayLink -----------------------------
(***************************************************************************)
(* Helper module (no cfg): a link made of an inbound and an outbound queue *)
(* with a relay moving items across; each queue is a named, parameterised *)
(* INSTANCE of FifoQueue.                                                  *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS Msgs, Depth

VARIABLES inq, outq

In  == INSTANCE FifoQueue WITH q <- inq, Items <- Msgs, Cap <- Depth
Out == INSTANCE FifoQueue WITH q <- outq, Items <- Msgs, Cap <- Depth

Q(v) == INSTANCE FifoQueue WITH q <- v, Items <- Msgs, Cap <- Depth

Send(m) == In!Put(m) /\ UNCHANGED outq

Relay == /\ ~In!Empty
         /\ Out!Put(In!Front)
         /\ In!Take

Deliver == Out!Take /\ UNCHANGED inq

Size == Len(inq) + Len(outq)

TypeOK == Q(inq)!TypeOK /\ Q(outq)!TypeOK
=============================================================================
