"""``synchub run``: the long-running service (scheduler, webhooks, health, metrics, status)."""
