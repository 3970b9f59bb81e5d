------------------------------- MODULE Typist -------------------------------
(***************************************************************************)
(* A line editor on strings: type a letter, delete the last one, or      *)
(* clear.  Strings are sequences of characters to \o and Len, and a word *)
(* is compared with string literals; ToString turns numbers into text.   *)
(***************************************************************************)
\* features: strings, seq-concat, subseq, tlc-module, set-ops
EXTENDS Naturals, Sequences, TLC

CONSTANT MaxLen

VARIABLES line, edits

Letters == {"a", "b"}

Init == line = "" /\ edits = 0

Type == \E c \in Letters : Len(line) < MaxLen /\ line' = line \o c /\ edits' = edits + 1

Delete == line # "" /\ line' = SubSeq(line, 1, Len(line) - 1) /\ edits' = edits + 1

Clear == line # "" /\ line' = "" /\ edits' = edits

Next == Type \/ Delete \/ Clear

Label == "edits:" \o ToString(edits)

TypeOK == Len(line) <= MaxLen /\ Len(Label) >= 7

NotBaba == line # "baba"

FewEdits == edits < 5
SomeEdits == edits < 6

Known == line \in {"", "a", "b", "aa", "ab", "ba", "bb", "aaa", "aab", "aba", "abb",
                   "baa", "bab", "bba", "bbb"}
=============================================================================
