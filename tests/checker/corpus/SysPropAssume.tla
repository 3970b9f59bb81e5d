---------------------------- MODULE SysPropAssume ----------------------------
(***************************************************************************)
(* A model that refuses to run unless TLC was started with a flag: the    *)
(* assumption is false, as it is for TLC started without it.              *)
(***************************************************************************)
\* features: tlc-module, tlcget, assume
EXTENDS Naturals, TLC

ASSUME TLCGet("-Dcorpus.sysprop.required") = "true"

VARIABLE n

Init == n = 0
Next == n' = 1 - n
=============================================================================
