------------------------------- MODULE Commit -------------------------------
(***************************************************************************)
(* An atomic-commit protocol between a coordinator and participants       *)
(* (model values), with messages as a growing set of records.  TypeOK    *)
(* uses record sets and \subseteq; Agreement says no participant commits *)
(* while another aborts.  With Sloppy = TRUE the coordinator may commit   *)
(* before every participant is prepared.                                  *)
(***************************************************************************)
\* features: records, record-set, set-ops, subseteq, model-values, symmetry, exists-actions, unchanged-tuple
EXTENDS FiniteSets, TLC

CONSTANTS Parts, Sloppy

VARIABLES state, coord, prepared, msgs

Msgs == [kind : {"Prepared"}, from : Parts] \cup [kind : {"Commit", "Abort"}]

TypeOK == /\ state \in [Parts -> {"working", "prepared", "committed", "aborted"}]
          /\ coord \in {"init", "committed", "aborted"}
          /\ prepared \subseteq Parts
          /\ msgs \subseteq Msgs

Init == /\ state = [p \in Parts |-> "working"]
        /\ coord = "init"
        /\ prepared = {}
        /\ msgs = {}

Prepare(p) == /\ state[p] = "working"
              /\ state' = [state EXCEPT ![p] = "prepared"]
              /\ msgs' = msgs \cup {[kind |-> "Prepared", from |-> p]}
              /\ UNCHANGED <<coord, prepared>>

Refuse(p) == /\ state[p] = "working"
             /\ state' = [state EXCEPT ![p] = "aborted"]
             /\ UNCHANGED <<coord, prepared, msgs>>

Collect(p) == /\ coord = "init"
              /\ [kind |-> "Prepared", from |-> p] \in msgs
              /\ prepared' = prepared \cup {p}
              /\ UNCHANGED <<state, coord, msgs>>

Decide == /\ coord = "init"
          /\ prepared = Parts \/ (Sloppy /\ prepared # {})
          /\ coord' = "committed"
          /\ msgs' = msgs \cup {[kind |-> "Commit"]}
          /\ UNCHANGED <<state, prepared>>

GiveUp == /\ coord = "init"
          /\ coord' = "aborted"
          /\ msgs' = msgs \cup {[kind |-> "Abort"]}
          /\ UNCHANGED <<state, prepared>>

Learn(p) == \/ /\ [kind |-> "Commit"] \in msgs
               /\ state' = [state EXCEPT ![p] = "committed"]
               /\ UNCHANGED <<coord, prepared, msgs>>
            \/ /\ [kind |-> "Abort"] \in msgs
               /\ state[p] # "aborted"
               /\ state' = [state EXCEPT ![p] = "aborted"]
               /\ UNCHANGED <<coord, prepared, msgs>>

Next == \/ Decide \/ GiveUp
        \/ \E p \in Parts : Prepare(p) \/ Refuse(p) \/ Collect(p) \/ Learn(p)

Agreement == \A p, q \in Parts : ~(state[p] = "committed" /\ state[q] = "aborted")

Sym == Permutations(Parts)
=============================================================================
