---- MODULE SetOpNonSet ----
\* features: eval-error, lazy-set
\* \cup, \cap and \ of a non-set: TLC builds them lazily and fails where the value
\* is used, with the error of the operator that uses it (`<` is Naturals', exit
\* 255; `=`, Cardinality and a state's fingerprint are its own, exit 75).
EXTENDS Naturals, FiniteSets
CONSTANT Which
VARIABLE x
Init == x = 7
Next == CASE Which = "lt" -> (x \ 1) < 1 /\ x' = x
          [] Which = "eq" -> (x \ 1) = {} /\ x' = x
          [] Which = "card" -> Cardinality(x \cup {1}) = 1 /\ x' = x
          [] Which = "store" -> x' = x \ 1
====
