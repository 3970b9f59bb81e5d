------------------------------ MODULE PointOps ------------------------------
(***************************************************************************)
(* Constant operators given point by point in the configuration,          *)
(* `Step(0) = 1`, `Cost(1, cheap) = 2`, as TLC's configuration allows: a  *)
(* table from argument values to values, an evaluation error on any other *)
(* argument (PointOps_gap.cfg leaves Step(3) out).                        *)
(***************************************************************************)
\* features: constant-operator, config-point-definitions, model-values
EXTENDS Naturals

CONSTANTS Step(_), Cost(_, _), Mode

VARIABLES pos, spent

Init == pos = 0 /\ spent = 0
Next == /\ pos < 4
        /\ pos' = Step(pos)
        /\ spent' = spent + Cost(pos, Mode)
Cheap == spent <= 4
=============================================================================
