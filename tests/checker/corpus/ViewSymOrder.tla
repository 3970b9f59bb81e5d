---- MODULE ViewSymOrder ----
\* A VIEW that leaves out a variable, under SYMMETRY: TLC fingerprints the
\* view of the smallest state of an orbit, comparing the variables in its own
\* order (here last before load), so the variable left out still decides
\* which view a state gets.
\* features: symmetry, view, model-values, tlc-specific
EXTENDS Naturals, TLC
CONSTANTS Procs
VARIABLES load, last

Sym == Permutations(Procs)

Init == /\ load = [p \in Procs |-> 0]
        /\ last = "none"

Up(p) == /\ load[p] < 2
         /\ load' = [load EXCEPT ![p] = @ + 1]
         /\ last' = p

Down(p) == /\ load[p] > 0
           /\ load' = [load EXCEPT ![p] = @ - 1]
           /\ last' = p

Next == \E p \in Procs : Up(p) \/ Down(p)

LoadView == load
====
