---- MODULE EvalExitInit ----
\* features: eval-error-exit-codes
EXTENDS Naturals, TLC, Sequences
CONSTANT Where, How
VARIABLE x
Boom(ctx) == IF Where = ctx
             THEN CASE How = "assert" -> Assert(x < 2, "x too big")
                    [] How = "dom" -> <<1>>[x + 1] = 1
                    [] How = "choose" -> (CHOOSE n \in {} : TRUE) = 1
                    [] How = "type" -> (x \cup {1}) = {}
             ELSE TRUE
Init == x = 2 /\ Boom("init")
Next == x < 3 /\ x' = x + 1 /\ (x' < 2 \/ Boom("next"))
Inv == x < 2 \/ Boom("inv")
Cons == x < 2 \/ Boom("constraint")
Prop == [](x < 2 \/ Boom("prop"))
AProp == [][x < 1 \/ Boom("aprop")]_x
Spec == Init /\ [][Next]_x
====
