"""Live polls on the web pages: what a session's pages follow to hear of its polls.

The presenter screen, the moderators' page and the audience's page of a session show
its questions and its polls (and the whole event's), so their streams follow three
topics as one: the session's in the Q&A's hub, and `polls:<session>` and `polls:event`
in the polls' hub (`bot.polls.service`). Each update is still built once for every
viewer (`bot.web.stream.Broadcaster`).
"""

from __future__ import annotations

from bot.polls.service import Polls, scope_topic
from bot.qa.hub import Topics
from bot.qa.service import QA


def session_topics(qa: QA, polls: Polls) -> Topics:
    """A session's questions and polls, followed as one key (the session's id)."""
    return Topics(
        (qa.hub, lambda session_id: (session_id,)),
        (polls.hub, lambda session_id: (scope_topic(session_id), scope_topic(None))),
    )
