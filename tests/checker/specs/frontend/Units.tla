--------------------------- MODULE Units ---------------------------
(* Module-level units SANY accepts and TLC skips or evaluates:      *)
(* separators, theorems with proofs, assumptions, LOCAL, constants  *)
(* with arity, RECURSIVE, function definitions, infix definitions,  *)
(* higher-order operators, LAMBDA, labels and positional selectors. *)
EXTENDS Naturals, Sequences
CONSTANTS N, Combine(_, _)
VARIABLES x, log
----
LOCAL Inc(a) == a + 1
a \oplus b == (a + b) % N
s ++ e == Append(s, e)
RECURSIVE Even(_), Odd(_)
Even(n) == IF n = 0 THEN TRUE ELSE Odd(n - 1)
Odd(n) == IF n = 0 THEN FALSE ELSE Even(n - 1)
fact[n \in 0..N] == IF n = 0 THEN 1 ELSE n * fact[n - 1]
Twice(F(_), v) == F(F(v))
-----------------------------------------------------------------
ASSUME N > 1
ASSUME Small == N < 10
ASSUMPTION fact[3] = 6
THEOREM Trivial == N > 0
PROOF OBVIOUS
LEMMA TypeLemma == Even(2)
  <1>1. Odd(1)
    BY DEF Odd, Even
  <1>2. QED
    BY <1>1 DEF Even
COROLLARY Even(4)
  OMITTED
PROPOSITION N \oplus N < N
  PROOF BY DEF \oplus
-----------------------------------------------------------------
Init == /\ x = 0
        /\ log = <<>>
Grow == /\ Len(log) < 3
        /\ x' = Twice(LAMBDA v : v \oplus 1, x)
        /\ log' = log ++ Combine(x, fact[2])
Reset == /\ Len(log) > 0 /\ (Even(Len(log)) \/ Len(log) = 3)
         /\ x' = Inc(x) % N
         /\ log' = <<>>
Next == Grow \/ Reset
TypeOK == /\ Lx:: x \in 0..N
          /\ log \in Seq(Nat)
XRange == TypeOK!1
Plus(a, b) == a + b
XSmall == x < 2
=================================================================
