---- MODULE BigNumeral ----
\* features: integer-overflow
\* A numeral beyond 2^31 - 1 stops TLC before it computes a state, even in
\* a definition nothing uses; 2^31 - 1 itself is fine.
EXTENDS Integers
VARIABLE x
Largest == 2147483647
Unused == 4294967296
Init == x = Largest
Next == x' = x
====
