---- MODULE InfixArg ----
(***************************************************************************)
(* Built-in infix operators passed by name to operator parameters:         *)
(* Fold(\cap, ...), Fold(\cup, ...), Fold(\o, ...), Both(/\, ...).         *)
(***************************************************************************)
\* features: higher-order, operator-arguments, recursive-function, sets, sequences
EXTENDS Naturals, Sequences
Fold(op(_, _), set, acc) ==
  LET f[s \in SUBSET set] ==
        IF s = {} THEN acc
        ELSE LET x == CHOOSE x \in s : TRUE IN op(x, f[s \ {x}])
  IN f[set]
Both(op(_, _), a, b) == op(a, b)
Cardinality(S) == Fold(LAMBDA x, n : n + 1, S, 0)
VARIABLE sets
Init == sets = {{1, 2, 3}}
Next == \E s \in sets, x \in 1..3 :
          /\ Cardinality(sets) < 4
          /\ sets' = sets \cup {s \ {x}}
Common == Fold(\cap, sets, UNION sets)
Inv == /\ Common \subseteq {1, 2, 3}
       /\ Fold(\cup, sets, {}) = UNION sets
       /\ Len(Fold(\o, {<<1>>, <<2>>}, <<>>)) = 2
       /\ Both(/\, TRUE, sets # {})
       /\ Both(\in, Common, SUBSET {1, 2, 3})
NotEmpty == Common # {}
====
