------------------------------ MODULE RelayNet ------------------------------
(***************************************************************************)
(* A sender, a relay link and a receiver counting deliveries; the link is *)
(* an INSTANCE of RelayLink, which instantiates FifoQueue: an INSTANCE    *)
(* chain with WITH substitutions at both levels.  Delivered counts the    *)
(* messages handed over; the invariant Conserved ties it to the queues.   *)
(***************************************************************************)
\* features: instance-chain, instance-named, instance-parameterised, seq-ops, seq-membership, multi-module
EXTENDS Naturals, Sequences

CONSTANTS Data, Slots, Total

VARIABLES i, o, sent, got

L == INSTANCE RelayLink WITH Msgs <- Data, Depth <- Slots, inq <- i, outq <- o

vars == <<i, o, sent, got>>

Init == i = <<>> /\ o = <<>> /\ sent = 0 /\ got = 0

Produce == sent < Total /\ \E m \in Data : L!Send(m) /\ sent' = sent + 1 /\ got' = got
Forward == L!Relay /\ UNCHANGED <<sent, got>>
Consume == L!Deliver /\ got' = got + 1 /\ sent' = sent

Next == Produce \/ Forward \/ Consume

Spec == Init /\ [][Next]_vars

Conserved == sent = got + L!Size
TypeOK == L!TypeOK
NeverFull == L!Size < 2 * Slots
=============================================================================
