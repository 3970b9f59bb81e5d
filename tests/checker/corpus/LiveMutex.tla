------------------------------ MODULE LiveMutex ------------------------------
(* A lock taken and released by each process: weak fairness per process   *)
(* lets one starve (the lock is free only now and then), strong does not. *)
\* features: property-check
EXTENDS Naturals, FiniteSets, TLC
CONSTANT P
VARIABLES pc, lock
vars == <<pc, lock>>
Init == pc = [p \in P |-> "idle"] /\ lock = FALSE
Try(p) == pc[p] = "idle" /\ pc' = [pc EXCEPT ![p] = "wait"] /\ UNCHANGED lock
Enter(p) == pc[p] = "wait" /\ ~lock /\ lock' = TRUE /\ pc' = [pc EXCEPT ![p] = "cs"]
Exit(p) == pc[p] = "cs" /\ lock' = FALSE /\ pc' = [pc EXCEPT ![p] = "idle"]
Next == \E p \in P : Try(p) \/ Enter(p) \/ Exit(p)
Spec == Init /\ [][Next]_vars
SpecWF == Spec /\ \A p \in P : WF_vars(Enter(p)) /\ WF_vars(Exit(p))
SpecSF == Spec /\ \A p \in P : SF_vars(Enter(p)) /\ WF_vars(Exit(p))
SpecSFall == Spec /\ \A p \in P : SF_vars(Enter(p) \/ Exit(p)) /\ WF_vars(Try(p))
SpecWFpc == Spec /\ \A p \in P : WF_pc(Enter(p)) /\ WF_<<lock, pc>>(Exit(p))
Mutex == \A p, q \in P : pc[p] = "cs" /\ pc[q] = "cs" => p = q
Starve == \A p \in P : (pc[p] = "wait") ~> (pc[p] = "cs")
SomeoneEnters == (\E p \in P : pc[p] = "wait") ~> (\E p \in P : pc[p] = "cs")
AlwaysMutex == []Mutex
InfIdle == \A p \in P : []<>(pc[p] = "idle")
LockFree == []<>~lock
Sym == Permutations(P)
Ctr == Cardinality({p \in P : pc[p] # "idle"}) <= 1
=============================================================================
