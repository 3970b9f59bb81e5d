------------------------------- MODULE Seating -------------------------------
(***************************************************************************)
(* Guests choose seats; the initial seating is any injective assignment  *)
(* of a subset of guests (SUBSET and function sets in Init), tuples are *)
(* bound with <<g, s>> in quantifiers, and ENABLED appears in an         *)
(* invariant.  An invariant that fails in an initial state is checked    *)
(* by Seating_init.cfg.                                                   *)
(***************************************************************************)
\* features: powerset, function-set, tuple-binder, enabled, cartesian, multi-init, init-violation, let-in
EXTENDS Naturals, FiniteSets

CONSTANTS Guests, Seats

VARIABLE at

Injective(f) == \A a, b \in DOMAIN f : a # b => f[a] # f[b]

Init == \E G \in SUBSET Guests :
          /\ Cardinality(G) <= 1
          /\ \E f \in [G -> Seats] : Injective(f) /\ at = f

Sit == \E <<g, s>> \in Guests \X Seats :
         /\ g \notin DOMAIN at
         /\ s \notin {at[h] : h \in DOMAIN at}
         /\ at' = [h \in DOMAIN at \cup {g} |-> IF h = g THEN s ELSE at[h]]

Leave == \E g \in DOMAIN at : at' = [h \in DOMAIN at \ {g} |-> at[h]]

Next == Sit \/ Leave

Seated == LET taken == {at[h] : h \in DOMAIN at} IN Cardinality(taken) = Cardinality(DOMAIN at)
CanMove == ENABLED Sit \/ DOMAIN at = Guests \/ Cardinality(DOMAIN at) = Cardinality(Seats)
SomeoneSeated == DOMAIN at # {}
=============================================================================
