"use strict";
// The speaker's view: the highlighted question, then the approved queue, each in the
// speaker's language. Every text goes in with textContent, never as markup.
(function () {
  const session = decodeURIComponent(location.pathname.split("/")[2] || "");
  const token = new URLSearchParams(location.search).get("token") || "";
  const byId = (id) => document.getElementById(id);
  const strings = JSON.parse(byId("strings").textContent);
  const lang = strings.lang;
  const plural = new Intl.PluralRules(lang);
  // Past the server's cap on live streams, the page asks for the state this often.
  const POLL_MS = 5000;

  const votesText = (n) =>
    (strings.votes[plural.select(n)] || strings.votes.other).replace("{votes}", String(n));

  // A question in the speaker's language: as asked when it was asked in it, else its
  // translation, else as asked and marked so.
  function reading(q) {
    const own = q.lang || strings.default_lang;
    if (own === lang) return { text: q.text, lang: own, note: "" };
    const found = (q.translations || {})[lang];
    if (found) return { text: found.text, lang, note: found.machine ? strings.machine : "" };
    return { text: q.text, lang: own, note: strings.not_translated };
  }

  function meta(q) {
    return [votesText(q.votes), q.author || strings.anonymous].join(" · ");
  }

  function item(q) {
    const li = document.createElement("li");
    li.dataset.id = String(q.id);
    const read = reading(q);
    const text = document.createElement("p");
    text.className = "text";
    text.lang = read.lang;
    text.textContent = read.text;
    li.append(text);
    const under = document.createElement("p");
    under.className = "meta";
    under.textContent = meta(q);
    if (read.note) {
      const note = document.createElement("span");
      note.className = "note";
      note.textContent = read.note;
      under.prepend(note, " · ");
      li.dataset.note = read.note === strings.not_translated ? "untranslated" : "machine";
    }
    li.append(under);
    return li;
  }

  function render(state) {
    const title = state.title[lang] || state.title.en;
    byId("title").textContent = title;
    byId("status").textContent = state.open ? strings.is_open : strings.is_closed;
    byId("status").dataset.open = String(state.open);
    const now = byId("now");
    if (state.highlight) {
      const read = reading(state.highlight);
      now.hidden = false;
      now.dataset.id = String(state.highlight.id);
      byId("highlight").lang = read.lang;
      byId("highlight").textContent = read.text;
      byId("highlight-note").textContent = read.note;
      byId("highlight-note").hidden = !read.note;
      byId("highlight-meta").textContent = meta(state.highlight);
    } else {
      now.hidden = true;
      delete now.dataset.id;
    }
    byId("queue").replaceChildren(...state.queue.map(item));
    byId("empty").hidden = state.queue.length > 0 || Boolean(state.highlight);
  }

  // A lost connection is said on the page: a speaker must not answer from a stale queue.
  const lost = byId("connection");
  new MutationObserver(() => {
    lost.hidden = document.body.dataset.state !== "reconnecting";
  }).observe(document.body, { attributes: true, attributeFilter: ["data-state"] });

  const base = "/speaker-view/" + encodeURIComponent(session);
  window.forumLive({
    events: base + "/events?token=" + encodeURIComponent(token),
    state: base + "/state",
    headers: { "X-Moderator-Token": token },
    pollMs: POLL_MS,
    retryEvery: 12, // a minute of polls
    render,
  });
})();
