----------------------------- MODULE GridMoves -----------------------------
(***************************************************************************)
(* Helper module (no cfg): moves of a walker on the grid of GridBase.      *)
(***************************************************************************)
EXTENDS GridBase, FiniteSets

Distance(a, b) == LET dx == a[1] - b[1]
                      dy == a[2] - b[2]
                  IN  (IF dx < 0 THEN -dx ELSE dx) + (IF dy < 0 THEN -dy ELSE dy)

Move(pos, c) == c \in Neighbours(pos)
=============================================================================
