------------------------------- MODULE Ferry -------------------------------
(***************************************************************************)
(* A ferry carrying cars between two banks.  ACTION_CONSTRAINT forbids    *)
(* crossing empty; a state constraint caps the trips.  With the action   *)
(* constraint no empty crossing is ever counted; without it the first    *)
(* step can be one.                                                       *)
(***************************************************************************)
\* features: action-constraint, state-constraint, set-ops, cardinality, subseteq, exists-actions
EXTENDS Naturals, FiniteSets

CONSTANTS Cars, Seats

VARIABLES west, east, deck, side, trips, empties

Init == west = Cars /\ east = {} /\ deck = {} /\ side = "W" /\ trips = 0 /\ empties = 0

Here == IF side = "W" THEN west ELSE east

Board(c) == /\ c \in Here
            /\ Cardinality(deck) < Seats
            /\ deck' = deck \cup {c}
            /\ IF side = "W" THEN west' = west \ {c} /\ UNCHANGED east
                             ELSE east' = east \ {c} /\ UNCHANGED west
            /\ UNCHANGED <<side, trips, empties>>

Cross == /\ side' = IF side = "W" THEN "E" ELSE "W"
         /\ trips' = trips + 1
         /\ empties' = IF deck = {} THEN empties + 1 ELSE empties
         /\ UNCHANGED <<west, east, deck>>

Unload == /\ deck # {}
          /\ IF side = "W" THEN west' = west \cup deck /\ UNCHANGED east
                           ELSE east' = east \cup deck /\ UNCHANGED west
          /\ deck' = {}
          /\ UNCHANGED <<side, trips, empties>>

Next == (\E c \in Cars : Board(c)) \/ Cross \/ Unload

NotEmptyCrossing == side' # side => deck # {}
FewTrips == trips <= 4

Accounted == west \cup east \cup deck = Cars /\ west \cap east = {}
NoEmptyCrossing == empties = 0
=============================================================================
