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

  const votesText = (n) =>
    (strings.votes[plural.select(n)] || strings.votes.other).replace("{votes}", String(n));

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

  // The whole state for this device (from /state or an action's answer).
  const drawFull = (state) => {
    voted = new Set(state.voted);
    drawMine(state.mine);
    counts = JSON.stringify(state.counts);
    drawPublic(state);
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
    drawPublic(state);
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
