---- MODULE InitOrd ----
\* features: enumeration-order
EXTENDS Naturals
VARIABLES x, y, z
Init == /\ x \in {2, 1}
        /\ y \in {"b", "a"}
        /\ z \in [{1, 2} -> {TRUE, FALSE}]
Next == UNCHANGED <<x, y, z>>
InvA == ~(x = 2 /\ y = "a")
InvB == ~(x = 1 /\ y = "b")
InvC == ~(z[1] /\ ~z[2])
InvD == ~(~z[1] /\ z[2])
====
