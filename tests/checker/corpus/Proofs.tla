------------------------------- MODULE Proofs -------------------------------
(***************************************************************************)
(* A counter that steps by an even amount, with theorems and a structured  *)
(* proof in TLAPS syntax.  TLC skips every theorem, lemma, corollary and   *)
(* proof; the model checks only the invariants in the cfg.                 *)
(***************************************************************************)
\* features: theorem, lemma, corollary, axiom, proposition, assume-prove, proof-steps, proof-by, obvious, omitted, suffices, have, take, pick, witness, use-hide, proof-define
EXTENDS Naturals

CONSTANT Max

ASSUME MaxType == Max \in Nat /\ Max > 0

VARIABLE n

Init == n = 0

Step == n < Max /\ n' = n + 2

Next == Step \/ (n >= Max /\ n' = 0)

Spec == Init /\ [][Next]_n

Even == n % 2 = 0

Bounded == n <= Max + 1

TooSmall == n < Max

LEMMA EvenPlusTwo == \A k \in Nat : k % 2 = 0 => (k + 2) % 2 = 0
  OBVIOUS

THEOREM EvenInvariant == Spec => []Even
<1>1. Init => Even
  BY DEF Init, Even
<1>2. Even /\ [Next]_n => Even'
  <2>1. CASE Step
    BY <2>1, EvenPlusTwo DEF Step, Even
  <2>2. CASE n >= Max /\ n' = 0
    BY <2>2 DEF Even
  <2>3. CASE UNCHANGED n
    BY <2>3 DEF Even
  <2>4. QED
    BY <2>1, <2>2, <2>3 DEF Next
<1>3. QED
  PROOF OMITTED

COROLLARY Spec => []Bounded
PROOF OMITTED

THEOREM Trivial == TRUE
PROOF OBVIOUS
================================================================AXIOM PlusZero == \A k \in Nat : k + 0 = k

PROPOSITION Trivially == TRUE

LEMMA AddZero == ASSUME NEW k \in Nat PROVE k + 0 = k
  BY PlusZero

THEOREM Doubling == ASSUME NEW k \in Nat, NEW j \in Nat, k = j PROVE k + j = 2 * j
<1> SUFFICES j + j = 2 * j
  OBVIOUS
<1>a. HAVE TRUE
<1>b. \A m \in Nat : m + m = 2 * m
  <2> TAKE m \in Nat
  <2> QED OBVIOUS
<1> DEFINE Twice(m) == 2 * m
<1>c. PICK i \in Nat : i = j
  OBVIOUS
<1> USE <1>b
<1> HIDE DEF Twice
<1> QED
  BY <1>b, <1>c DEF Twice

THEOREM \E m \in Nat : m = 0
<1> WITNESS 0 \in Nat
<1> QED OBVIOUS
=============
