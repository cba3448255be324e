# forum-bot: slim image, non-root, database on a volume, health checked on /healthz.
# The patch version is pinned so that a rebuild gives the same interpreter; raise it on purpose.
FROM python:3.11.13-slim-bookworm

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
# Dependencies first, from pyproject.toml alone: a change to the code reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); print('\n'.join(p['build-system']['requires'] + p['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt
# Then the code, installed without touching the dependencies.
COPY README.md ./
COPY bot ./bot
COPY commands ./commands
COPY config ./config
RUN pip install --no-deps --no-build-isolation . && rm -rf build ./*.egg-info

USER forumbot
VOLUME ["/data"]
EXPOSE 8080

# Asks the port the bot serves: FORUM_BOT_WEB_PORT as the container runs (8080 when unset,
# as in bot/settings/environment.py), directly (http.client takes no proxy from the environment). With
# the web server off ("", "off", "none") there is nothing to ask.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import sys, http.client; port = sys.argv[1].strip(); port.lower() in ('', 'off', 'none') and sys.exit(0); c = http.client.HTTPConnection('127.0.0.1', int(port), timeout=4); c.request('GET', '/healthz'); sys.exit(0 if c.getresponse().status == 200 else 1)" "${FORUM_BOT_WEB_PORT-8080}"

ENTRYPOINT ["forum-bot"]
CMD ["run"]
