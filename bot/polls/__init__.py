"""Live polls: the rules (`rules`), the service (`service`), and what the bot posts
(`notices`)."""
