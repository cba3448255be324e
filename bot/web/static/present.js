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

  // A translation's mark, in both of the hall's languages: the highlight's in full, a
  // list entry's short. Languages without a name here show their code.
  const NAMES = { en: ["English", "영어"], ko: ["Korean", "한국어"] };

  function author(q) {
    return q.author ? q.author : anonymous;
  }

  function surface(q) {
    return SURFACES[q.platform] || "";
  }

  function mark(code, t, long) {
    const [en, ko] = long && NAMES[code] ? NAMES[code] : [code.toUpperCase(), ""];
    return t.machine
      ? en + " machine translation · " + (ko ? ko + " " : "") + "기계 번역"
      : en + " translation · " + (ko ? ko + " " : "") + "번역";
  }

  // A question's translations, each a line of its own: the mark, then the text.
  function translations(q, tag, className, long) {
    return Object.keys(q.translations || {}).sort().map((code) => {
      const t = q.translations[code];
      const line = document.createElement(tag);
      line.className = className;
      line.dataset.lang = code;
      if (t.machine) line.dataset.machine = "true";
      const label = document.createElement("span");
      label.className = "mark";
      label.textContent = mark(code, t, long);
      const text = document.createElement("span");
      text.className = "translated";
      text.lang = code;
      text.textContent = t.text;
      line.append(label, " ", text);
      return line;
    });
  }

  function item(q) {
    const li = document.createElement("li");
    li.dataset.id = String(q.id);
    const votes = document.createElement("span");
    votes.className = "votes";
    votes.textContent = "▲ " + q.votes;
    const body = document.createElement("div");
    body.className = "body";
    const text = document.createElement("p");
    text.className = "text";
    if (q.lang) text.lang = q.lang;
    text.textContent = q.text;
    body.append(text, ...translations(q, "p", "tr", false));
    const by = document.createElement("span");
    by.className = "by";
    const who = document.createElement("span");
    who.className = "author";
    who.textContent = author(q);
    const where = document.createElement("span");
    where.className = "surface";
    where.textContent = surface(q);
    by.append(who, where);
    li.append(votes, body, by);
    return li;
  }

  // -- a poll on the screen, in place of the Q&A ------------------------------------------

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  // A poll's text in both languages, English first, each in a line of its own.
  function both(text, tag) {
    const parts = [element(tag, "en", text.en)];
    parts[0].lang = "en";
    if (text.ko && text.ko !== text.en) {
      const ko = element(tag, "ko", text.ko);
      ko.lang = "ko";
      parts.push(ko);
    }
    return parts;
  }

  const people = (n) => (n === 1 ? "1 person voted" : n + " people voted") + " · " + n + "명 참여";

  // The poll as it stands: each option with its bar, count and share of the voters (a
  // hidden poll: its options, and "results when the poll closes" until it closes).
  function drawPoll(poll, others) {
    const section = byId("poll");
    section.dataset.id = String(poll.id);
    section.dataset.open = String(poll.open);
    section.dataset.hidden = String(poll.hidden);
    const label = [poll.open ? "Live poll · 실시간 투표" : "Poll results · 투표 결과"];
    if (poll.multiple) label.push("Multiple choice · 복수 선택");
    byId("poll-label").textContent = label.join(" · ");
    byId("poll-question").replaceChildren(...both(poll.question, "span"));
    const top = Math.max(0, ...poll.options.map((o) => o.votes || 0));
    byId("poll-options").replaceChildren(...poll.options.map((o) => {
      const li = element("li");
      li.dataset.position = String(o.position);
      const names = element("span", "names");
      names.append(...both(o.label, "span"));
      const name = element("div", "option");
      name.append(element("span", "number", o.position + "."), names);
      li.append(name);
      if (o.votes !== null) {
        const share = poll.voters ? Math.round((o.votes * 100) / poll.voters) : 0;
        const bar = element("div", "bar");
        const fill = element("span", "fill");
        fill.style.width = (poll.voters ? (o.votes * 100) / poll.voters : 0) + "%";
        bar.append(fill);
        li.append(bar, element("span", "count", o.votes + " · " + share + "%"));
        if (!poll.open && top > 0 && o.votes === top) li.dataset.lead = "true";
      }
      return li;
    }));
    const meta = [people(poll.voters)];
    if (poll.hidden) meta.push("Results when the poll closes · 결과는 투표가 끝나면 공개됩니다");
    else if (!poll.open) meta.push("Voting has closed · 투표 마감");
    byId("poll-meta").textContent = meta.join(" · ");
    const more = byId("poll-more");
    more.hidden = others === 0;
    more.textContent = "+" + others + " more poll open · 진행 중인 투표 " + others + "개 더";
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
    const highlight = state.highlight;
    if (highlight) {
      now.hidden = false;
      now.dataset.id = String(highlight.id);
      byId("highlight").lang = highlight.lang || "";
      byId("highlight").textContent = highlight.text;
      byId("highlight-translations").replaceChildren(
        ...translations(highlight, "p", "translation", true));
      byId("highlight-meta").textContent = [author(highlight), surface(highlight),
        "▲ " + highlight.votes].filter(Boolean).join(" · ");
    } else {
      now.hidden = true;
      delete now.dataset.id;
      byId("highlight-translations").replaceChildren();
    }
    byId("top").replaceChildren(...state.top.map(item));
    byId("empty").hidden = state.top.length > 0 || Boolean(highlight);
    // A poll on show takes the Q&A's place (the server says which: open, or just closed).
    const polls = state.polls || [];
    const poll = polls[0];
    byId("poll").hidden = !poll;
    document.querySelector("section.top").hidden = Boolean(poll);
    if (poll) {
      now.hidden = true;
      drawPoll(poll, polls.filter((p) => p.open && p.id !== poll.id).length);
    } else {
      delete byId("poll").dataset.id;
    }
    // "Ask with /ask" only while the session takes questions; how to vote while a poll
    // is open.
    byId("ask").hidden = !state.open || Boolean(poll);
    byId("vote-hint").hidden = !(poll && poll.open);
    open = state.open;
    showJoin();
    fit();
  }

  // The smallest each part is set (px) before the list gives way: legible from the back
  // of a hall on a 720p projector, and larger on a larger one (a share of the height).
  // A list translation is 0.8 of its entry, never under 12px (qa.css).
  // The order is fit()'s parts': the question, its translations, who asked, the list.
  const minimum = () => {
    const h = window.innerHeight;
    return [Math.max(20, 0.028 * h), Math.max(16, 0.022 * h), Math.max(14, 0.016 * h),
      Math.max(14, 0.019 * h)];
  };

  // Everything fits on the screen, the highlighted question first: the stylesheet's sizes
  // (which follow the window) are the largest; a long question (or long translations, or
  // a long list) scales the question, its translations and the list down together, to
  // their minimums; then list entries show one line each (and their translations one),
  // with less space around the headings; then the last entries leave the list ("+3 more"). The highlighted question and its
  // translations are never cut: with the list gone and still too long, they go below
  // their minimums (to SMALLEST). It fits when neither the main column nor the list's
  // section, which has the room the question leaves, overflows.
  // A poll fits as the Q&A does: the stylesheet's size is the largest, and the whole
  // poll (every size in it is relative to its own) is scaled down until it fits, to a
  // minimum legible on a 720p projector (its Korean lines, 0.85 of it, no smaller than
  // 12px); short of room, each option's English and Korean share a line (.compact);
  // only then below the minimum, to SMALLEST.
  function fitPoll() {
    const section = byId("poll");
    const main = document.querySelector("main");
    section.style.fontSize = "";
    section.classList.remove("compact");
    const fits = () => main.scrollHeight <= main.clientHeight + 1 &&
      section.scrollHeight <= section.clientHeight + 1;
    if (fits()) return;
    const largest = parseFloat(getComputedStyle(section).fontSize);
    const floor = Math.min(largest, Math.max(15, 0.02 * window.innerHeight));
    const scale = (px) => { section.style.fontSize = px + "px"; };
    // The largest size in [lo, largest] that fits, or false when even lo does not.
    const settle = (lo) => {
      scale(lo);
      if (!fits()) return false;
      let hi = largest;
      while (hi - lo > 0.25) {
        const mid = (lo + hi) / 2;
        scale(mid);
        if (fits()) lo = mid; else hi = mid;
      }
      scale(lo);
      return true;
    };
    if (settle(floor)) return;
    section.classList.add("compact");
    if (settle(floor)) return;
    if (!settle(SMALLEST)) scale(SMALLEST);
  }

  function fit() {
    if (!byId("poll").hidden) {
      fitPoll();
      return;
    }
    const parts = [byId("highlight"), byId("highlight-translations"), byId("highlight-meta"),
      byId("top")];
    const main = document.querySelector("main");
    const section = document.querySelector("section.top");
    const entries = [...byId("top").children];
    const more = byId("more");
    for (const el of parts) el.style.fontSize = "";
    main.classList.remove("compact");
    for (const li of entries) li.hidden = false;
    more.hidden = true;
    // 1px: both heights are rounded, to whole pixels each.
    const fits = () => main.scrollHeight <= main.clientHeight + 1 &&
      section.scrollHeight <= section.clientHeight + 1;
    if (fits()) return;
    const largest = parts.map((el) => parseFloat(getComputedStyle(el).fontSize));
    // Bisection at the given minimums: a few layouts, to 1% of the size; false when even
    // the minimums do not fit.
    const settle = (floor) => {
      const scale = (s) => parts.forEach((el, i) => {
        el.style.fontSize = Math.max(Math.min(floor[i], largest[i]), s * largest[i]) + "px";
      });
      scale(0);
      if (!fits()) return false;
      let lo = 0;
      let hi = 1;
      while (hi - lo > 0.01) {
        const mid = (lo + hi) / 2;
        scale(mid);
        if (fits()) lo = mid; else hi = mid;
      }
      scale(lo);
      return true;
    };
    const floor = minimum();
    if (settle(floor)) return;
    main.classList.add("compact");
    if (settle(floor)) return;
    for (let shown = entries.length - 1; shown >= 0; shown -= 1) {
      entries[shown].hidden = true;
      const left = entries.length - shown;
      more.textContent = "+" + left + " more · " + left + "개 더";
      more.hidden = false;
      if (settle(floor)) return;
    }
    settle(parts.map(() => SMALLEST));
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
