"""Live Q&A: the rules (service) and what it posts and keeps up to date (notices)."""
