"use strict";
// The presenter screen: every text goes in with textContent, never as markup.
(function () {
  const session = decodeURIComponent(location.pathname.split("/")[2] || "");
  const byId = (id) => document.getElementById(id);
  const anonymous = "Anonymous · 익명";
  // No question is set smaller than this (px): still legible on a 720p projector.
  const SMALLEST = 12;

  // Where a question came from: one pool, asked on any of these.
  const SURFACES = { web: "Web · 웹", discord: "Discord", slack: "Slack", console: "Terminal · 터미널" };
  // Past the server's cap on live streams, the page asks for the state this often.
  const POLL_MS = 5000;

  function author(q) {
    return q.author ? q.author : anonymous;
  }

  function surface(q) {
    return SURFACES[q.platform] || "";
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
    const by = document.createElement("span");
    by.className = "by";
    const who = document.createElement("span");
    who.className = "author";
    who.textContent = author(q);
    const where = document.createElement("span");
    where.className = "surface";
    where.textContent = surface(q);
    by.append(who, where);
    li.append(votes, text, by);
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
      byId("highlight-meta").textContent = [author(state.highlight), surface(state.highlight),
        "▲ " + state.highlight.votes].filter(Boolean).join(" · ");
    } else {
      now.hidden = true;
      delete now.dataset.id;
    }
    byId("top").replaceChildren(...state.top.map(item));
    byId("empty").hidden = state.top.length > 0 || Boolean(state.highlight);
    // "Ask with /ask" only while the session takes questions.
    byId("ask").hidden = !state.open;
    open = state.open;
    showJoin();
    fit();
  }

  // A long question (or a long list) is scaled down until the question and the top ten
  // both fit on the screen, instead of pushing the list off it. The two scale together so
  // the question stays the larger; the stylesheet's sizes (which follow the window) are
  // the largest. Everything fits when the list's section, which has the room the
  // question leaves, does not overflow.
  function fit() {
    const parts = [byId("highlight"), byId("top")];
    const section = document.querySelector("section.top");
    for (const el of parts) el.style.fontSize = "";
    const fits = () => section.scrollHeight <= section.clientHeight;
    if (fits()) return;
    const largest = parts.map((el) => parseFloat(getComputedStyle(el).fontSize));
    const scale = (s) => parts.forEach((el, i) => {
      el.style.fontSize = Math.max(SMALLEST, s * largest[i]) + "px";
    });
    // Bisection: a few layouts, to 1% of the size. Nothing fits: the smallest sizes.
    let lo = 0;
    let hi = 1;
    while (hi - lo > 0.01) {
      const mid = (lo + hi) / 2;
      scale(mid);
      if (fits()) lo = mid; else hi = mid;
    }
    scale(lo);
  }

  // The join code and short address (from the server, which knows its public address),
  // shown while the session takes questions.
  let open = false;
  let joinable = false;
  function showJoin() {
    const join = byId("join");
    if (join.hidden === (open && joinable)) {
      join.hidden = !(open && joinable);
      fit();
    }
  }
  const joinPath = "/present/" + encodeURIComponent(session) + "/join";
  fetch(joinPath).then((r) => (r.ok ? r.json() : null)).then((join) => {
    if (!join) return;
    byId("join-code").src = joinPath + ".svg";
    byId("join-code").alt = join.url;
    // A narrow column breaks the address after its host, not inside a word.
    const cut = join.short.indexOf("/") + 1 || join.short.length;
    byId("join-url").replaceChildren(
      join.short.slice(0, cut), document.createElement("wbr"), join.short.slice(cut));
    joinable = true;
    showJoin();
  }).catch(() => {});

  const base = "/present/" + encodeURIComponent(session);

  window.forumLive({
    events: base + "/events",
    state: base + "/state",
    pollMs: POLL_MS,
    retryEvery: 12, // a minute of polls
    render,
  });
  // Sizes are measured with the real fonts and the real window.
  window.addEventListener("resize", fit);
  document.fonts.addEventListener("loadingdone", fit);
  document.fonts.ready.then(fit);
})();
