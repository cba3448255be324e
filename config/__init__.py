"""Event files shipped with forum-bot; forum-2026.yaml is the embedded default."""
