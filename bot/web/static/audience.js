// The audience's Q&A page, live: the forms become fetch calls (with the CSRF header), the
// list follows the server's stream (or polls /state when streams are full), and focus
// stays where it was. Everything a person typed goes in with textContent, never as HTML.
"use strict";

(() => {
  const root = document.getElementById("audience");
  if (!root) return;
  const strings = JSON.parse(document.getElementById("strings").textContent);
  const session = root.dataset.session;
  const order = root.dataset.order;
  const page = Number(root.dataset.page) || 1;
  const poll = Math.max(Number(root.dataset.poll) || 5, 0.1) * 1000;
  const plural = new Intl.PluralRules(strings.lang);
  const notice = document.getElementById("notice");
  const template = document.getElementById("question-template");

  // What only this device knows: its votes (from the page, then from its own actions) and
  // its own questions' statuses.
  let voted = new Set(
    [...document.querySelectorAll('button[data-voted="true"]')].map(
      (b) => Number(b.closest("li").dataset.id),
    ),
  );
  let pendingMine = document.querySelectorAll('#mine li[data-status="pending"]').length;
  let counts = null;
  // The options this device chose in each poll on show ({poll id: [option, ...]}).
  let chosen = {};
  for (const li of document.querySelectorAll('#polls li[data-chosen="true"]')) {
    const id = li.closest("section").dataset.id;
    (chosen[id] = chosen[id] || []).push(Number(li.dataset.position));
  }
  const polls = document.getElementById("polls");
  const csrf = () => document.querySelector('#ask input[name="csrf"]').value;

  const counted = (forms, name, n) =>
    (forms[plural.select(n)] || forms.other).replace(`{${name}}`, String(n));
  const votesText = (n) => counted(strings.votes, "votes", n);

  const say = (message, ok) => {
    notice.textContent = message;
    notice.className = "notice " + (ok ? "ok" : "error");
    notice.hidden = false;
  };

  // -- drawing ------------------------------------------------------------------------

  // A question in the reader's language first when it has a translation into it, the
  // question as asked beneath (as the server draws it: pages.in_language).
  const reading = (q) => {
    const found = q.lang !== strings.lang ? (q.translations || {})[strings.lang] : null;
    return found
      ? { text: found.text, lang: strings.lang, original: q.text, machine: found.machine }
      : { text: q.text, lang: q.lang, original: null, machine: false };
  };

  const item = (q) => {
    const li = template.content.firstElementChild.cloneNode(true);
    li.dataset.id = String(q.id);
    const read = reading(q);
    const text = li.querySelector(".text");
    text.id = `q${q.id}-text`;
    text.textContent = read.text;
    if (read.lang) text.lang = read.lang;
    const original = li.querySelector(".original");
    if (read.original) {
      original.hidden = false;
      if (q.lang) original.lang = q.lang;
      original.querySelector(".original-text").textContent = read.original;
      li.querySelector(".kind").textContent =
        ` · ${read.machine ? strings.machine : strings.translated}`;
    } else {
      original.remove();
    }
    li.querySelector(".votes").textContent = votesText(q.votes);
    li.querySelector(".author").textContent = q.author || strings.anonymous;
    const mine = voted.has(q.id);
    const form = li.querySelector("form");
    form.action = `/q/${session}/${mine ? "unvote" : "vote"}`;
    form.elements.id.value = String(q.id);
    form.elements.page.value = String(page);
    const button = li.querySelector("button");
    button.textContent = mine ? strings.unvote : strings.vote;
    button.className = mine ? "quiet" : "";
    button.dataset.voted = mine ? "true" : "false";
    button.setAttribute("aria-describedby", text.id);
    return li;
  };

  // Replaces a list's items, then gives focus back to the same question's button.
  const fill = (list, questions) => {
    const had = document.activeElement;
    const focused = had && list.contains(had) ? had.closest("li")?.dataset.id : null;
    list.replaceChildren(...questions.map(item));
    if (focused) list.querySelector(`li[data-id="${focused}"] button`)?.focus();
  };

  const drawPublic = (state) => {
    const status = document.getElementById("status");
    if (String(state.open) !== status.dataset.open) {
      status.dataset.open = String(state.open);
      status.textContent = state.open ? strings.is_open : strings.is_closed;
    }
    if (page === 1 || state.page === page) {
      fill(document.getElementById("highlight"), state.highlight ? [state.highlight] : []);
      document.getElementById("now").hidden = !state.highlight;
      fill(document.getElementById("questions"), state.questions);
      document.getElementById("empty").hidden = state.questions.length > 0 || !!state.highlight;
    }
  };

  const drawMine = (mine) => {
    const list = document.getElementById("mine");
    list.replaceChildren(
      ...mine.map((q) => {
        const li = document.createElement("li");
        li.dataset.id = String(q.id);
        li.dataset.status = q.status;
        const text = document.createElement("p");
        text.className = "text";
        text.textContent = q.text;
        const meta = document.createElement("p");
        meta.className = "meta";
        const status = document.createElement("span");
        status.className = "status";
        status.textContent =
          q.status === "merged" && q.merged_into
            ? strings.merged_into.replace("{into}", String(q.merged_into))
            : strings.status[q.status] || q.status;
        meta.append(status);
        if (q.edited) {
          const edited = document.createElement("span");
          edited.className = "edited";
          edited.textContent = strings.edited;
          meta.append(" · ", edited);
        }
        if (q.anonymous) meta.append(` · ${strings.anonymous}`);
        if (q.reason) {
          const reason = document.createElement("span");
          reason.className = "reason";
          reason.textContent = strings.reason.replace("{reason}", () => q.reason);
          meta.append(" · ", reason);
        }
        li.append(text, meta);
        return li;
      }),
    );
    document.getElementById("mine-empty").hidden = mine.length > 0;
    pendingMine = mine.filter((q) => q.status === "pending").length;
  };

  // -- polls ----------------------------------------------------------------------------

  const make = (tag, className, text) => {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  };

  // A poll's text in the reader's language first, the other beneath (as the server's
  // audience.poll_shown does).
  const bilingual = (text) => {
    const mine = strings.lang === "ko" && text.ko;
    const [first, firstLang, other, otherLang] = mine
      ? [text.ko, "ko", text.en, "en"] : [text.en, "en", text.ko || "", "ko"];
    return { text: first, lang: firstLang, other: other && other !== first ? other : "",
      otherLang };
  };

  const labelOf = (o) => {
    const read = bilingual(o.label);
    const label = make("span", "label", `${o.position}. ${read.text}`);
    label.lang = read.lang;
    const parts = [label];
    if (read.other) {
      const other = make("span", "other", read.other);
      other.lang = read.otherLang;
      parts.push(" ", other);
    }
    return parts;
  };

  // A poll's section, built once per poll and state (open or not); its counts and
  // choices are filled in by fillPoll, in place, so a button is never swapped under a
  // finger pressing it.
  const newPoll = (p) => {
    const section = make("section", "poll");
    section.id = `poll-${p.id}`;
    section.dataset.id = String(p.id);
    section.dataset.open = String(p.open);
    section.setAttribute("aria-labelledby", `poll-${p.id}-question`);
    const heading = make("h2", "poll-heading", p.open ? strings.poll.heading : strings.poll.results);
    const question = bilingual(p.question);
    const asked = make("p", "poll-question", question.text);
    asked.id = `poll-${p.id}-question`;
    asked.lang = question.lang;
    section.append(heading, asked);
    if (question.other) {
      const other = make("p", "poll-other", question.other);
      other.lang = question.otherLang;
      section.append(other);
    }
    const list = make("ol", "plain options");
    for (const o of p.options) {
      const li = make("li");
      li.dataset.position = String(o.position);
      if (p.open) {
        const form = make("form", "poll-vote");
        form.method = "post";
        form.action = `/q/${session}/poll`;
        const fields = { csrf: csrf(), poll: p.id, option: o.position, order, page };
        for (const [name, value] of Object.entries(fields)) {
          const input = make("input");
          input.type = "hidden";
          input.name = name;
          input.value = String(value);
          form.append(input);
        }
        const button = make("button", "option");
        button.type = "submit";
        button.append(...labelOf(o));
        form.append(button);
        li.append(form);
      } else {
        const option = make("p", "option");
        option.append(...labelOf(o));
        li.append(option);
      }
      li.append(make("p", "result"));
      list.append(li);
    }
    section.append(list, make("p", "meta poll-meta"), make("p", "dim poll-hint"));
    return section;
  };

  const fillPoll = (section, p) => {
    const mine = new Set(chosen[String(p.id)] || []);
    for (const o of p.options) {
      const li = section.querySelector(`li[data-position="${o.position}"]`);
      const picked = mine.has(o.position);
      li.dataset.chosen = String(picked);
      const button = li.querySelector("button");
      if (button) {
        button.className = picked ? "option" : "option quiet";
        button.setAttribute("aria-pressed", String(picked));
      }
      // "✓ your choice" after the option's name, while it is one.
      const option = li.querySelector(".option");
      const mark = option.querySelector(".chosen");
      if (picked && !mark) option.append(" ", make("span", "chosen", `✓ ${strings.poll.chosen}`));
      if (!picked && mark) {
        mark.previousSibling.remove(); // its space
        mark.remove();
      }
      const result = li.querySelector(".result");
      if (o.votes === null) {
        result.replaceChildren();
      } else {
        const meter = make("meter");
        meter.min = 0;
        meter.max = Math.max(p.voters, 1);
        meter.value = o.votes;
        const share = p.voters ? Math.round((o.votes * 100) / p.voters) : 0;
        result.replaceChildren(meter, " ", make("span", "count",
          `${counted(strings.poll.votes, "votes", o.votes)} (${share}%)`));
      }
      result.hidden = o.votes === null;
    }
    const meta = section.querySelector(".poll-meta");
    meta.replaceChildren(make("span", "voters", counted(strings.poll.voters, "count", p.voters)));
    if (p.hidden) meta.append(" · ", make("span", "hidden-note", strings.poll.hidden));
    section.querySelector(".poll-hint").textContent = !p.open ? strings.poll.closed
      : p.multiple ? `${strings.poll.multiple_label}: ${strings.poll.multiple}`
        : strings.poll.single;
  };

  // The polls on show, each section kept while its poll stays (open, or closed) on show.
  const drawPolls = (shown) => {
    const had = new Map([...polls.children].map((el) => [el.dataset.id, el]));
    const sections = (shown || []).map((p) => {
      let section = had.get(String(p.id));
      if (!section || section.dataset.open !== String(p.open)) section = newPoll(p);
      fillPoll(section, p);
      return section;
    });
    for (const el of [...polls.children]) if (!sections.includes(el)) el.remove();
    sections.forEach((section, i) => {
      if (polls.children[i] !== section) polls.insertBefore(section, polls.children[i] || null);
    });
  };

  // A frame that only moved a poll (its votes) leaves the questions as they are drawn
  // (null: the next frame draws them again).
  let questionsDrawn = null;

  // The whole state for this device (from /state or an action's answer).
  const drawFull = (state) => {
    questionsDrawn = null;
    voted = new Set(state.voted);
    chosen = state.chosen || {};
    drawMine(state.mine);
    counts = JSON.stringify(state.counts);
    drawPublic(state);
    drawPolls(state.polls);
  };

  const stateUrl = `/q/${session}/state?order=${order}&page=${page}`;
  const refresh = async () => {
    const response = await fetch(stateUrl, { headers: { Accept: "application/json" } });
    if (response.ok) drawFull(await response.json());
  };

  // A frame of the shared stream: the same for everyone. When the counts moved and one of
  // this device's questions was waiting, its own state is read again (approved, rejected).
  const onFrame = (state) => {
    const changed = counts !== null && counts !== JSON.stringify(state.counts);
    counts = JSON.stringify(state.counts);
    const questions = JSON.stringify({ ...state, polls: null });
    if (questions !== questionsDrawn) drawPublic(state);
    questionsDrawn = questions;
    drawPolls(state.polls);
    if (changed && pendingMine > 0) refresh().catch(() => {});
  };

  // -- forms as fetch calls ------------------------------------------------------------

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !root.contains(form)) return;
    event.preventDefault();
    if (form.dataset.busy) return; // one press at a time (not disabled: it keeps focus)
    form.dataset.busy = "1";
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { Accept: "application/json", "X-CSRF-Token": form.elements.csrf.value },
      });
      const answer = await response.json();
      say(answer.message, answer.ok);
      if (answer.ok && form.id === "ask") form.elements.text.value = "";
      if (answer.state) drawFull(answer.state);
    } catch (_) {
      say(strings.error, false);
    } finally {
      delete form.dataset.busy;
    }
  });

  // -- live ----------------------------------------------------------------------------

  // Streamed frames are the same for everyone; a polled state is this device's own.
  window.forumLive({
    events: `/q/${session}/events?order=${order}`,
    state: stateUrl,
    headers: { Accept: "application/json" },
    pollMs: poll,
    render: (state, mode) => (mode === "live" ? onFrame(state) : drawFull(state)),
    onPolling: () => say(strings.polling, true),
    // No retryEvery: once refused a stream, a phone keeps polling.
  });
})();
