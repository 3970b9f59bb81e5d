---- MODULE MissCannSym ----
EXTENDS MissCann, TLC
Sym == Permutations(Missionaries) \cup Permutations(Cannibals)
====
