----------------------------- MODULE InstOverride -----------------------------
(***************************************************************************)
(* A configuration's `Cap = [InstOverrideBase] 2` names a constant that    *)
(* both instances substitute (explicitly in Fixed, implicitly by this      *)
(* module's own Cap in Same): TLC lets the substitutions win and ignores   *)
(* the [Mod] value; `Bump <- [InstOverrideBase] Twice` still replaces a    *)
(* definition of the instantiated module.                                  *)
(***************************************************************************)
\* features: instance, config-module-override
EXTENDS Naturals

CONSTANT Cap
VARIABLES x, y

Fixed == INSTANCE InstOverrideBase WITH Cap <- 4
Same == INSTANCE InstOverrideBase

Twice(v) == v + 2

Init == x = 0 /\ y = 0
Next == \/ x < Fixed!Limit /\ x' = Fixed!Bump(x) /\ y' = y
        \/ y < Same!Limit /\ y' = Same!Bump(y) /\ x' = x
=============================================================================
