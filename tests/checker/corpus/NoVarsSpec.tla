---- MODULE NoVarsSpec ----
\* features: specification, no-variables
\* A module without variables, checked through a SPECIFICATION (as public test
\* modules are): with no initial predicate left TLC computes no initial state.
EXTENDS Naturals
ASSUME 1 + 1 = 2
C == 1 = 1
NoInit == [][TRUE]_<<>>
ViaDef == C /\ [][TRUE]_TRUE
InPlace == (1 = 1) /\ [][TRUE]_TRUE
====
