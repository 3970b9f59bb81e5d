---------------------- MODULE HourClock2K ----------------------
EXTENDS HourClockK
VARIABLE minute
-----------------------------------------------------------------
HCini2 == HCini /\ minute \in 0..59
Tick == /\ minute' = (minute + 1) % 60
        /\ IF minute = 59 THEN HCnxt ELSE UNCHANGED hr
HC2 == HCini2 /\ [][Tick]_<<hr, minute>> /\ WF_<<hr, minute>>(Tick)
-----------------------------------------------------------------
Midnight == hr = 12 /\ minute = 0
AlwaysMidnight == []<>Midnight
HourRefines == HC
Stutters == <>[](hr = 3)
==================================================================
