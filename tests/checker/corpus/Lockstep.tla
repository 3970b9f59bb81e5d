------------------------------ MODULE Lockstep ------------------------------
(***************************************************************************)
(* Processes given as model values take a shared lock; NoOne is a model  *)
(* value outside the set of processes.  The cfg variants check it as is, *)
(* under SYMMETRY (TLC counts symmetry classes) and with a faulty release *)
(* that lets another process in.                                          *)
(***************************************************************************)
\* features: model-values, symmetry, quantifiers, exists-actions, tlc-module
EXTENDS Naturals, FiniteSets, TLC

CONSTANTS Procs, NoOne, Faulty

VARIABLES owner, waiting, turns

Init == owner = NoOne /\ waiting = {} /\ turns = [p \in Procs |-> 0]

Ask(p) == /\ p \notin waiting /\ p # owner
          /\ waiting' = waiting \cup {p}
          /\ UNCHANGED <<owner, turns>>

Grab(p) == /\ p \in waiting
           /\ owner = NoOne \/ (owner # NoOne /\ Faulty /\ turns[owner] = 1)
           /\ owner' = p
           /\ waiting' = waiting \ {p}
           /\ turns' = [turns EXCEPT ![p] = (@ + 1) % 2]

Free(p) == /\ owner = p
           /\ owner' = NoOne
           /\ UNCHANGED <<waiting, turns>>

Next == \E p \in Procs : Ask(p) \/ Grab(p) \/ Free(p)

Sym == Permutations(Procs)

TypeOK == owner \in Procs \cup {NoOne} /\ waiting \subseteq Procs

NoCutIn == \A p \in Procs : owner = p => turns[p] # 0 \/ Cardinality(waiting) >= 0
Exclusive == [][owner # NoOne => owner' \in {owner, NoOne}]_owner
=============================================================================
