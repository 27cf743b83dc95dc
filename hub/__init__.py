"""synchub: two-way sync between Jira, Todoist, Notion and Google Calendar."""

__version__ = "0.1.0"
