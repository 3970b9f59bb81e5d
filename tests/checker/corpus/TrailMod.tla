---- MODULE TrailMod ----
\* features: module-after-module, extends, instance
EXTENDS Naturals, TrailDefs
VARIABLE n
C == INSTANCE TrailScale WITH K <- 3
Init == n = Start
Next == n < C!Twice /\ n' = n + Step
Inv == n # 4
====

The modules below share this file; SANY reads them too.

---- MODULE TrailDefs ----
Start == 0
Step == 2
====

---- MODULE TrailScale ----
EXTENDS Naturals
CONSTANT K
Twice == 2 * K
====
