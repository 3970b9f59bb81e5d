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
\* Constant level though it binds names (a filter in a LET), as exercise modules write it.
Check == LET bad == {t \in 1..3 : t > 5} IN bad = {}
ViaLet == Check /\ [][TRUE]_TRUE
====
