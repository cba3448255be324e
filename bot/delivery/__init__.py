"""Getting messages out: the reminder planner (planner), the outbox sender (sender), and
request pacing (pacing)."""
