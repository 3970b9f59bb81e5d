------------------------------- MODULE Recur -------------------------------
(***************************************************************************)
(* RECURSIVE operators (one of them mutually recursive with another), a    *)
(* recursive function defined in a LET, and a recursive operator over a    *)
(* set.  The state walks k through 0..Top; each invariant recomputes a    *)
(* value two ways.                                                         *)
(***************************************************************************)
\* features: recursive-operator, mutual-recursion, recursive-function, let-in, choose, set-ops
EXTENDS Naturals, FiniteSets

CONSTANT Top

RECURSIVE SumTo(_), IsEven(_), IsOdd(_), SetSum(_)

SumTo(m) == IF m = 0 THEN 0 ELSE m + SumTo(m - 1)

IsEven(m) == IF m = 0 THEN TRUE ELSE IsOdd(m - 1)
IsOdd(m)  == IF m = 0 THEN FALSE ELSE IsEven(m - 1)

SetSum(S) == IF S = {} THEN 0
             ELSE LET x == CHOOSE y \in S : TRUE IN x + SetSum(S \ {x})

Tri(m) == LET t[j \in 0..m] == IF j = 0 THEN 0 ELSE j + t[j - 1] IN t[m]

VARIABLE k

Init == k = 0
Next == k < Top /\ k' = k + 1

Gauss    == 2 * SumTo(k) = k * (k + 1)
Parity   == IsEven(k) = (k % 2 = 0) /\ IsOdd(k) = (k % 2 = 1)
SameSum  == SetSum(0..k) = Tri(k)
SumSmall == SumTo(k) < 20
=============================================================================
