------------------------------- MODULE Facts -------------------------------
(***************************************************************************)
(* A module with no behaviour at all: constants and assumptions only.     *)
(* TLC evaluates the assumptions and stops (no INIT or NEXT in the cfg).  *)
(* Facts_bad.cfg chooses constants that make one assumption false.        *)
(***************************************************************************)
\* features: no-behaviour, assume, named-assume, recursive-operator, set-filter, cardinality, int-range
EXTENDS Naturals, FiniteSets

CONSTANTS Limit, Base

RECURSIVE Digits(_)
Digits(n) == IF n < Base THEN 1 ELSE 1 + Digits(n \div Base)

Primes == {p \in 2..Limit : \A d \in 2..(p - 1) : p % d # 0}

ASSUME Base >= 2
ASSUME PrimeCount == Cardinality(Primes) = 4
ASSUME Digits(Limit) = 2
ASSUME \A p \in Primes : p = 2 \/ p % 2 = 1
=============================================================================
