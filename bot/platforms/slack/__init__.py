"""Slack through slack-bolt: slash commands, buttons, App Home, posts and DMs."""
