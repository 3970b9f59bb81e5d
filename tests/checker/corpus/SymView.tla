---- MODULE SymView ----
\* features: symmetry, view
\* A VIEW under SYMMETRY: TLC evaluates the view on the smallest state of the
\* orbit, so jobs busy in different processes are one view state.
EXTENDS Naturals, TLC
CONSTANT Procs
VARIABLES pc, cnt
Init == pc = [p \in Procs |-> "idle"] /\ cnt = 0
Step(p) == pc[p] = "idle" /\ pc' = [pc EXCEPT ![p] = "busy"] /\ cnt' = cnt + 1
Done(p) == pc[p] = "busy" /\ pc' = [pc EXCEPT ![p] = "idle"] /\ UNCHANGED cnt
Next == \E p \in Procs : Step(p) \/ Done(p)
Constr == cnt < 4
Inv == cnt <= 4
Sym == Permutations(Procs)
View == <<pc>>
====
