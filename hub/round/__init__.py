"""The round core: one sync round of one flow (observe, plan, apply, commit) and what it
leans on: the executor's retries and pacing, crash recovery, poison items, parents.

:mod:`hub.round.engine` strings the steps together; the planner it calls is pure
(:mod:`hub.planner`) and the store it commits to is :mod:`hub.store`."""
