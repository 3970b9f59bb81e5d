---- MODULE ModuleErr ----
\* features: eval-error
\* An error a standard module reports itself (Head of << >>, \div by 0)
\* while successors are computed is TLC's exit 255; one it did not foresee
\* (a function applied outside its domain) is 75. A CONSTRAINT that fails on
\* an initial state leaves that state uncounted.
EXTENDS Integers, Sequences
VARIABLE x
Init == x = 0
Step == x' = IF x = 2 THEN Head(<< >>) ELSE x + 1
Divide == x' = x + 1 + x \div (3 - x)
Outside == x' = IF x = 2 THEN << 7 >>[x] ELSE x + 1
Several == x \in {1, 2, 3}
Ratio == 6 \div (x - 2) # 0
====
