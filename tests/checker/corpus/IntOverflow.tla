---- MODULE IntOverflow ----
\* features: integer-overflow, eval-error
\* TLC's integers are 32-bit: a sum, product or power outside
\* -2^31..2^31-1 is its error "Overflow when computing ...".
EXTENDS Integers
VARIABLE x
Init == x = 1
Double == x' = x * 2
Grow == x < 40 /\ x' = x + 1
Powers == x < 40 => 2^x > 0
Near == x + 2147483610 > 0
====
