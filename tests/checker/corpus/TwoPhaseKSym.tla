---- MODULE TwoPhaseKSym ----
EXTENDS TwoPhaseK, TLC
Perms == Permutations(RM)
====
