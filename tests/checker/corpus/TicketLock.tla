----------------------------- MODULE TicketLock -----------------------------
(***************************************************************************)
(* A ticket lock in PlusCal: each process takes the next ticket and waits *)
(* until the counter serves it.  The translation between BEGIN and END    *)
(* TRANSLATION was produced by the PlusCal translator in tla2tools.jar.   *)
(* A procedure increments the shared counter; either/or chooses whether   *)
(* a process goes round again.                                            *)
(***************************************************************************)
\* features: pluscal, procedure, either-or, await, liveness, fairness, exists-actions
EXTENDS Naturals, Sequences

CONSTANTS Procs, Rounds

(*--algorithm TicketLock
variables next = 0, serving = 0;

procedure bump()
begin
  Bump: serving := serving + 1;
  return;
end procedure;

fair process worker \in Procs
variables mine = 0, done = 0;
begin
  Take:
    mine := next;
    next := next + 1;
  Wait:
    await serving = mine;
  Crit:
    skip;
  Leave:
    call bump();
  Again:
    done := done + 1;
    either
      await done < Rounds;
      goto Take;
    or
      skip;
    end either;
end process;
end algorithm; *)
\* BEGIN TRANSLATION
VARIABLES pc, next, serving, stack, mine, done

vars == << pc, next, serving, stack, mine, done >>

ProcSet == (Procs)

Init == (* Global variables *)
        /\ next = 0
        /\ serving = 0
        (* Process worker *)
        /\ mine = [self \in Procs |-> 0]
        /\ done = [self \in Procs |-> 0]
        /\ stack = [self \in ProcSet |-> << >>]
        /\ pc = [self \in ProcSet |-> "Take"]

Bump(self) == /\ pc[self] = "Bump"
              /\ serving' = serving + 1
              /\ pc' = [pc EXCEPT ![self] = Head(stack[self]).pc]
              /\ stack' = [stack EXCEPT ![self] = Tail(stack[self])]
              /\ UNCHANGED << next, mine, done >>

bump(self) == Bump(self)

Take(self) == /\ pc[self] = "Take"
              /\ mine' = [mine EXCEPT ![self] = next]
              /\ next' = next + 1
              /\ pc' = [pc EXCEPT ![self] = "Wait"]
              /\ UNCHANGED << serving, stack, done >>

Wait(self) == /\ pc[self] = "Wait"
              /\ serving = mine[self]
              /\ pc' = [pc EXCEPT ![self] = "Crit"]
              /\ UNCHANGED << next, serving, stack, mine, done >>

Crit(self) == /\ pc[self] = "Crit"
              /\ TRUE
              /\ pc' = [pc EXCEPT ![self] = "Leave"]
              /\ UNCHANGED << next, serving, stack, mine, done >>

Leave(self) == /\ pc[self] = "Leave"
               /\ stack' = [stack EXCEPT ![self] = << [ procedure |->  "bump",
                                                        pc        |->  "Again" ] >>
                                                    \o stack[self]]
               /\ pc' = [pc EXCEPT ![self] = "Bump"]
               /\ UNCHANGED << next, serving, mine, done >>

Again(self) == /\ pc[self] = "Again"
               /\ done' = [done EXCEPT ![self] = done[self] + 1]
               /\ \/ /\ done'[self] < Rounds
                     /\ pc' = [pc EXCEPT ![self] = "Take"]
                  \/ /\ TRUE
                     /\ pc' = [pc EXCEPT ![self] = "Done"]
               /\ UNCHANGED << next, serving, stack, mine >>

worker(self) == Take(self) \/ Wait(self) \/ Crit(self) \/ Leave(self)
                   \/ Again(self)

(* Allow infinite stuttering to prevent deadlock on termination. *)
Terminating == /\ \A self \in ProcSet: pc[self] = "Done"
               /\ UNCHANGED vars

Next == (\E self \in ProcSet: bump(self))
           \/ (\E self \in Procs: worker(self))
           \/ Terminating

Spec == /\ Init /\ [][Next]_vars
        /\ \A self \in Procs : WF_vars(worker(self)) /\ WF_vars(bump(self))

Termination == <>(\A self \in ProcSet: pc[self] = "Done")

\* END TRANSLATION

Mutex == \A p, q \in Procs : p # q => ~(pc[p] = "Crit" /\ pc[q] = "Crit")

AllDone == <>(\A p \in Procs : pc[p] = "Done")

NoOneCrit == \A p \in Procs : pc[p] # "Crit"
=============================================================================
