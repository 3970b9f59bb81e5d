------------------------------ MODULE StepProps ------------------------------
(***************************************************************************)
(* Formulas about one step given where TLC wants a behaviour or a state.  *)
(* Under PROPERTY an action (Grow, Grow \/ UNCHANGED n, [Grow]_n,          *)
(* <<Grow>>_n) is a configuration error; only [][A]_v is a property        *)
(* (StepProps.cfg). Under INVARIANT an action is an evaluation failure     *)
(* reported before the search.                                             *)
(***************************************************************************)
\* features: action-property, config-error
EXTENDS Naturals

VARIABLE n

Init == n = 1
Grow == n < 4 /\ n' = 2 * n
Spec == Init /\ [][Grow]_n

Doubles == n' = 2 * n
EitherWay == Grow \/ UNCHANGED n
Boxed == [Grow]_n
Angled == <<Grow>>_n
Always == [][Grow]_n
=============================================================================
