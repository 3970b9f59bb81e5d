---- MODULE TLCConfigGet ----
\* TLCGet("config"): the run's own settings, read by the spec. How far x may
\* climb depends on whether deadlock is checked; the mode and the number of
\* workers are asserted.
\* features: tlc-specific, tlc-module, deadlock
EXTENDS Naturals, TLC
VARIABLES x

ASSUME /\ TLCGet("config").mode = "bfs"
       /\ TLCGet("config").worker = 1
       /\ TLCGet("config").deadlock \in BOOLEAN

Limit == IF TLCGet("config").deadlock THEN 3 ELSE 5

Init == x = 0
Next == x < Limit /\ x' = x + 1
====
