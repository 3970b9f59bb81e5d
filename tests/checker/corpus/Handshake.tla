----------------------------- MODULE Handshake -----------------------------
(***************************************************************************)
(* Two parties exchange a request and a reply over one-slot mailboxes.   *)
(* In the careless version both may send a request at once and then each *)
(* waits for a reply that never comes: a deadlock.  The careful version  *)
(* lets only the lower-numbered party start.                             *)
(***************************************************************************)
\* features: deadlock, records, model-values, unchanged, exists-actions
EXTENDS Naturals

CONSTANTS Careful, Rounds

VARIABLES box, phase, done

Parties == {1, 2}
Other(p) == 3 - p

vars == <<box, phase, done>>

Init == /\ box = [p \in Parties |-> "empty"]
        /\ phase = [p \in Parties |-> "idle"]
        /\ done = 0

Request(p) == /\ phase[p] = "idle"
              /\ phase[Other(p)] # "waiting" \/ ~Careful
              /\ (~Careful \/ p = 1)
              /\ done < Rounds
              /\ box[Other(p)] = "empty"
              /\ box' = [box EXCEPT ![Other(p)] = "req"]
              /\ phase' = [phase EXCEPT ![p] = "waiting"]
              /\ UNCHANGED done

Answer(p) == /\ box[p] = "req"
             /\ phase[p] = "idle"
             /\ box' = [box EXCEPT ![p] = "empty", ![Other(p)] = "rep"]
             /\ UNCHANGED <<phase, done>>

Finish(p) == /\ phase[p] = "waiting"
             /\ box[p] = "rep"
             /\ box' = [box EXCEPT ![p] = "empty"]
             /\ phase' = [phase EXCEPT ![p] = "idle"]
             /\ done' = done + 1

Stop == done = Rounds /\ UNCHANGED vars

Next == \E p \in Parties : Request(p) \/ Answer(p) \/ Finish(p)
Spec == Init /\ [][Next \/ Stop]_vars

TypeOK == /\ box \in [Parties -> {"empty", "req", "rep"}]
          /\ phase \in [Parties -> {"idle", "waiting"}]
=============================================================================
