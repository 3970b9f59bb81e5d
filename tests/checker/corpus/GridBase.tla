------------------------------ MODULE GridBase ------------------------------
(***************************************************************************)
(* Helper module (no cfg): a square grid of cells and its neighbourhood.   *)
(* EXTENDed by GridMoves, which GridWalk extends in turn.                  *)
(***************************************************************************)
EXTENDS Integers

CONSTANT Size

Cells == (0..(Size - 1)) \X (0..(Size - 1))

LOCAL Clamp(v) == IF v < 0 THEN 0 ELSE IF v >= Size THEN Size - 1 ELSE v

Neighbours(c) == {<<Clamp(c[1] + d[1]), Clamp(c[2] + d[2])>> :
                     d \in {<<0, 1>>, <<1, 0>>, <<0, -1>>, <<-1, 0>>}} \ {c}
=============================================================================
