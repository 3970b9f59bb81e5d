---- MODULE ActionGuards ----
EXTENDS Naturals
VARIABLE x
Init == x = 0
\* features: action-guards, states-generated
\* Each Next has a conjunct without primed variables that contains an \E
\* with 2 witnesses. TLC enumerates the witnesses even there (one successor
\* per witness, counted in "states generated").
NextAll  == /\ x < 2
            /\ \A c \in {1, 2} : \E d \in {1, 2} : d > 0
            /\ x' = x + 1
NextImp  == /\ x < 2
            /\ (x >= 0) => \E d \in {1, 2} : d > 0
            /\ x' = x + 1
NextIf   == /\ x < 2
            /\ IF x >= 0 THEN \E d \in {1, 2} : d > 0 ELSE FALSE
            /\ x' = x + 1
NextNeg  == /\ x < 2
            /\ ~ \A d \in {1, 2} : d < 0
            /\ x' = x + 1
SpecAll == Init /\ [][NextAll]_x
SpecImp == Init /\ [][NextImp]_x
SpecIf  == Init /\ [][NextIf]_x
SpecNeg == Init /\ [][NextNeg]_x
====
