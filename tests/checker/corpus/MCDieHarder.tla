---- MODULE MCDieHarder ----
EXTENDS DieHarder, TLC
CONSTANTS j1, j2
MCCapacity == (j1 :> 3) @@ (j2 :> 5)
====
