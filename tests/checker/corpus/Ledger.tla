------------------------------- MODULE Ledger -------------------------------
(***************************************************************************)
(* Accounts as records whose fields are functions: each account has a     *)
(* balance and a function from peers to what it owes them.  Paying moves  *)
(* units between records with nested EXCEPT paths (![a].owes[b]).         *)
(***************************************************************************)
\* features: records, record-of-functions, except-nested, except-at, function-constructor, domain, quantifiers, exists-actions
EXTENDS Naturals

CONSTANTS People, Start

VARIABLE acct

Init == acct = [p \in People |-> [bal |-> Start, owes |-> [q \in People \ {p} |-> 0]]]

Borrow(a, b) == /\ acct[b].bal > 0
                /\ acct[a].owes[b] < 2
                /\ acct' = [acct EXCEPT ![a].bal = @ + 1,
                                        ![a].owes[b] = @ + 1,
                                        ![b].bal = @ - 1]

Repay(a, b) == /\ acct[a].owes[b] > 0
               /\ acct[a].bal > 0
               /\ acct' = [acct EXCEPT ![a].owes[b] = @ - 1,
                                       ![a].bal = @ - 1,
                                       ![b].bal = @ + 1]

Next == \E a, b \in People : a # b /\ (Borrow(a, b) \/ Repay(a, b))

Total == LET RECURSIVE S(_)
             S(P) == IF P = {} THEN 0
                     ELSE LET p == CHOOSE x \in P : TRUE IN acct[p].bal + S(P \ {p})
         IN S(People)

Conserved == Total = Start * 3

Shape == \A p \in People : DOMAIN acct[p].owes = People \ {p}

NoDebtPair == \A a, b \in People : a # b => ~(acct[a].owes[b] > 0 /\ acct[b].owes[a] > 0)
=============================================================================
