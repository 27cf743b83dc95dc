"""Tests at the process level (issue 11): real ``synchub sync`` / ``run`` / ``status``
processes over the four emulators, checked after every step for duplicates, lost edits and
unjustified deletes (P2-P4), with two writers at once, a reader beside a writer, ``kill -9``,
a lost state file, outages and poison items (P6, P13, P14). See ``harness.py`` for the terms.

Run:

- CI profile (default, well under a minute): ``pytest tests/process``; with
  ``SYNCHUB_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test`` the PostgreSQL
  variants run too (each in a fresh ``?schema=``, dropped afterwards);
- nightly: ``SYNCHUB_CHAOS=nightly pytest tests/process -m chaos`` (five fresh seeds, 300
  steps each, SQLite and PostgreSQL); ``SYNCHUB_CHAOS=nightly pytest tests/process`` also runs
  the kill -9 scenario over those seeds;
- replay a failure: ``SYNCHUB_CHAOS_SEED=<seed printed in the report>`` (and
  ``SYNCHUB_CHAOS_STEPS=<n>`` to change the driver's length).
"""
