# forum-bot: slim image, non-root, database on a volume, health checked on /healthz.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    FORUM_BOT_DB=/data/forum-bot.sqlite \
    FORUM_BOT_WEB_HOST=0.0.0.0 \
    FORUM_BOT_WEB_PORT=8080

RUN useradd --create-home --uid 10001 forumbot \
    && mkdir -p /data \
    && chown forumbot:forumbot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY commands ./commands
COPY config ./config
RUN pip install . && rm -rf /root/.cache

USER forumbot
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"

ENTRYPOINT ["forum-bot"]
CMD ["run"]
