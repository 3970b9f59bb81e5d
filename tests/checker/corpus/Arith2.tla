---- MODULE Arith2 ----
EXTENDS Integers, Sequences, FiniteSets, TLC
VARIABLE x, log
Vals == -7..7
Init == x = -3 /\ log = <<>>
Next == /\ x < 6
        /\ x' = x + 1
        /\ log' = Append(log, <<x \div 2, x % 3, (-x) \div 3, (-x) % 4, x * (-2), -(x^2)>>)
Checks ==
  /\ (-7) \div 2 = -4
  /\ (-7) % 2 = 1
  /\ 7 \div (-2) = -4
  /\ (-7) % 3 = 2
  /\ Len(log) <= 9
  /\ \A i \in DOMAIN log : log[i][2] \in 0..2
  /\ -2^2 = -4
  /\ 2^10 = 1024
  /\ Cardinality({n \in Vals : n % 2 = 0}) = 7
  /\ {n \div 3 : n \in -4..4} = -2..1
Bad == x < 5
====
