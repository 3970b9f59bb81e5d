----------------------------- MODULE FifoQueue -----------------------------
(***************************************************************************)
(* Helper module (no cfg): a bounded FIFO queue q over items Items.        *)
(* Instantiated by RelayLink, itself instantiated by RelayNet.             *)
(***************************************************************************)
EXTENDS Naturals, Sequences

CONSTANTS Items, Cap

VARIABLE q

Empty == q = <<>>

Put(x) == Len(q) < Cap /\ q' = Append(q, x)

Take == q # <<>> /\ q' = Tail(q)

Front == Head(q)

TypeOK == q \in Seq(Items) /\ Len(q) <= Cap
=============================================================================
