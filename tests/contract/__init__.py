"""The adapter contract suite: every adapter (memory and the four services) must pass it."""
