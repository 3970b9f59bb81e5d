------------------------------- MODULE SysProp -------------------------------
(***************************************************************************)
(* TLCGet("-Dname") is the Java system property TLC runs with, or the     *)
(* string itself when it is not set: a spec can branch on a flag of the   *)
(* run. None is set for these models.                                     *)
(***************************************************************************)
\* features: tlc-module, tlcget, invariant
EXTENDS Naturals, TLC

Flag == TLCGet("-Dcorpus.sysprop.fast")

VARIABLE n

Init == n = IF Flag = "yes" THEN 5 ELSE 0

Next == n < 3 /\ n' = n + 1

FlagUnset == Flag = "-Dcorpus.sysprop.fast"
Small == n <= 3

\* Wrong on purpose: the flag is not set.
FlagSet == Flag = "yes"
=============================================================================
