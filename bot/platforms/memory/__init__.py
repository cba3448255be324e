"""A platform held in memory: for fan-out tests and for driving the bot from code."""
