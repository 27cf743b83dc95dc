"""History and undo: what each run wrote and replaced (``synchub history``), and putting a
run's writes back (``synchub undo``). :mod:`.record` turns a write into its history record
(pure, called by the executor as it journals), :mod:`.values` reads and shows the values a
record holds, :mod:`.plan` decides what an undo writes (pure), :mod:`.undo` reads the copies
as they are now and carries the plan out as a run of its own."""
