---- MODULE Tokens ----
\* A bag of tokens "a" and "b" holding at most Max tokens. Exercises Bags,
\* ENABLED, ToString and Next as \E over parameterised actions.
EXTENDS Naturals, Bags, TLC

CONSTANT Max

VARIABLE bag

Init == bag = SetToBag({"a"})

Add(t) == /\ BagCardinality(bag) < Max
          /\ bag' = bag (+) SetToBag({t})

Remove(t) == /\ BagIn(t, bag)
             /\ bag' = bag (-) SetToBag({t})

Next == \E t \in {"a", "b"} : Add(t) \/ Remove(t)

Spec == Init /\ [][Next]_bag

CanAct == ENABLED Next

Shown == ToString(BagCardinality(bag)) \in {"0", "1", "2", "3"}

NeverThreeB == CopiesIn("b", bag) < 3
====
