"""Discord through discord.py: slash commands, buttons, posts and DMs."""
