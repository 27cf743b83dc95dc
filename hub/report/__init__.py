"""``synchub report``: a progress report of what synchub sees (done, started, overdue, due
next week, grouped by service, assignee and label, and what changed where), read from the
state store. One module a job: :mod:`.facts` (the values), :mod:`.collect` (store -> facts),
:mod:`.outline` (facts -> plain blocks), :mod:`.render` (Markdown, HTML, JSON),
:mod:`.deliver` (stdout, a file, a Notion page), :mod:`.schedule` (``report.every``)."""
