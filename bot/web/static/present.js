"use strict";
// The presenter screen: every text goes in with textContent, never as markup.
(function () {
  const session = decodeURIComponent(location.pathname.split("/")[2] || "");
  const byId = (id) => document.getElementById(id);
  const anonymous = "Anonymous · 익명";

  function author(q) {
    return q.author ? q.author : anonymous;
  }

  function item(q) {
    const li = document.createElement("li");
    li.dataset.id = String(q.id);
    const votes = document.createElement("span");
    votes.className = "votes";
    votes.textContent = "▲ " + q.votes;
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = q.text;
    const who = document.createElement("span");
    who.className = "author";
    who.textContent = author(q);
    li.append(votes, text, who);
    return li;
  }

  function render(state) {
    const title = state.title.ko && state.title.ko !== state.title.en
      ? state.title.en + " · " + state.title.ko : state.title.en;
    byId("title").textContent = title;
    document.title = "Q&A · " + state.title.en;
    byId("status").textContent = state.open
      ? "Q&A open · 질문 받는 중" : "Q&A closed · 질문 마감";
    byId("status").dataset.open = String(state.open);
    const now = byId("now");
    if (state.highlight) {
      now.hidden = false;
      now.dataset.id = String(state.highlight.id);
      byId("highlight").textContent = state.highlight.text;
      byId("highlight-meta").textContent =
        author(state.highlight) + " · ▲ " + state.highlight.votes;
    } else {
      now.hidden = true;
      delete now.dataset.id;
    }
    byId("top").replaceChildren(...state.top.map(item));
    byId("empty").hidden = state.top.length > 0 || Boolean(state.highlight);
    document.body.dataset.version = String(state.version);
    document.body.dataset.state = "live";
  }

  const source = new EventSource("/present/" + encodeURIComponent(session) + "/events");
  source.onmessage = (event) => render(JSON.parse(event.data));
  source.onerror = () => { document.body.dataset.state = "reconnecting"; };
})();
