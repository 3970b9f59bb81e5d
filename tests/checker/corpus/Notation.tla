------------------------------ MODULE Notation ------------------------------
(***************************************************************************)
(* Less common notation: user-defined infix operators (\oplus, ++, \prec),*)
(* a function of two arguments (f[x \in S, y \in T] and f[a, b]), a       *)
(* constructor with two bound names, number literals in binary, octal and *)
(* hexadecimal, a string with escapes, and a liveness property over an   *)
(* angle-bracket action, []<><<Turn>>_vars.                               *)
(***************************************************************************)
\* features: infix-definition, multi-arg-function, number-literals, string-escapes, angle-action, liveness, fairness
EXTENDS Naturals

a \oplus b == (a + b) % 5
s ++ t == s \cup t
a \prec b == a < b

Table[x \in 0..4, y \in 0..4] == x \oplus y
Pairs == [p \in 0..1, q \in 0..1 |-> p * 2 + q]

Ten == \b1010
Fifteen == \o17 + \h0 - \hA + \HA
Quoted == "say \"hi\"\t\\"

VARIABLES acc, seen

vars == <<acc, seen>>

Init == acc = 0 /\ seen = {}

Turn == \E d \in {1, 2} : /\ acc' = Table[acc, d]
                          /\ seen' = seen ++ {acc}

Spec == Init /\ [][Turn]_vars /\ WF_vars(Turn)

Sane == /\ Ten = 10
        /\ Fifteen = 15
        /\ Pairs[1, 0] = 2
        /\ 0 \prec 1
        /\ Quoted # "say hi"
        /\ acc \in 0..4

KeepsTurning == []<><<Turn>>_vars
SeesAll == <>(seen = 0..4)
NeverThree == acc # 3
=============================================================================
