-------------------------------- MODULE Lazy --------------------------------
(***************************************************************************)
(* Found by the differential tests: functions over Nat.  TLC builds      *)
(* [n \in Nat |-> n + 1] and the recursive function tri lazily and only  *)
(* applies them; applying tri outside its domain (to -1) is an           *)
(* evaluation error.  Start picks where the walk begins.                  *)
(***************************************************************************)
\* features: infinite-domain-function, recursive-function, eval-error, differential
EXTENDS Integers

CONSTANT Start

Succ == [n \in Nat |-> n + 1]

MinusOne == -1

tri[n \in Nat] == IF n = 0 THEN 0 ELSE n + tri[n - 1]

VARIABLES x, t

Init == x = Start /\ t = tri[Start]

Next == x < 4 /\ x' = Succ[x] /\ t' = tri[x']

Sums == t = (x * (x + 1)) \div 2
=============================================================================
