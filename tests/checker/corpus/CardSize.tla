---- MODULE CardSize ----
\* features: finite-sets, integer-overflow
\* Cardinality of SUBSET S, [S -> T], a record set or a product is counted
\* from its parts, as TLC counts it, without listing the elements; past
\* 2^31 - 1 it is TLC's overflow error.
EXTENDS Integers, FiniteSets
CONSTANT N
VARIABLE x
Init == x = 0
Next == x' = (x + 1) % 3
Sizes == /\ Cardinality(SUBSET (1..(18 + x))) = 2^(18 + x)
         /\ Cardinality([1..(N + x) -> {"a", "b"}]) = 2^(N + x)
         /\ Cardinality([f : 1..100, g : 1..(100 + x)]) = 100 * (100 + x)
         /\ Cardinality((1..10) \X (1..(10 + x))) = 10 * (10 + x)
         /\ Cardinality(SUBSET SUBSET (1..4)) = 65536
====
