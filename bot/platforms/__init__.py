"""One adapter per surface: Discord, Slack and the terminal, each behind the same small
interface (base)."""
