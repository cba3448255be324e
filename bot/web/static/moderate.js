"use strict";
// The moderators' page: same data as the presenter screen plus the waiting questions,
// a button per action, and forms in the row to edit, translate and merge; the session's
// polls with their counts, a button to open, close or take a result off the screen, and
// a form to make one. Every text goes in with textContent, never as markup.
(function () {
  const session = decodeURIComponent(location.pathname.split("/")[2] || "");
  const token = new URLSearchParams(location.search).get("token") || "";
  const byId = (id) => document.getElementById(id);
  const base = "/moderate/" + encodeURIComponent(session);
  const SURFACES = { web: "Web", discord: "Discord", slack: "Slack", console: "Terminal" };
  const NAMES = { en: "English", ko: "한국어" };
  // Past the server's cap on live streams, the page asks for the state this often.
  const POLL_MS = 3000;
  // What the message line says after each action.
  const DONE = {
    approve: "approved", reject: "rejected", highlight: "on the screen", answered: "answered",
    undo: "undone", block: "its asker is blocked", edit: "edited", translate: "translated",
  };

  let last = null; // the state drawn last
  // The forms open in rows (question id -> {kind, node}): kept, focus and typing included,
  // while the rows around them are drawn again at every vote.
  const editors = new Map();

  const nameOf = (code) => NAMES[code] || code.toUpperCase();

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function button(label, onClick, style, action) {
    const b = element("button", style || "", label);
    b.type = "button";
    if (action) b.dataset.action = action;
    b.addEventListener("click", onClick);
    return b;
  }

  // The message line: what happened (or why not), with an Undo when it can be undone.
  function say(text, undo) {
    const message = byId("message");
    message.replaceChildren(text);
    if (undo) message.append(" ", button("Undo · 되돌리기", undo, "", "undo-last"));
  }

  async function post(payload) {
    const response = await fetch(base + "/action", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Moderator-Token": token },
      body: JSON.stringify(payload),
    });
    return response.json().catch(() => ({ ok: false, error: response.statusText }));
  }

  // One action on question `id` (`extra`: its fields); true when done.
  async function act(action, id, extra) {
    const reason = action === "reject" ? byId("reason").value.trim() : "";
    const body = await post({ action, id, reason: reason || null, ...(extra || {}) });
    if (!body.ok) {
      say(body.error);
      return false;
    }
    if (action === "reject") byId("reason").value = "";
    const said = action === "merge"
      ? "#" + id + " merged into #" + extra.into : "#" + id + ": " + (DONE[action] || action);
    // A merged (or rejected) question leaves the lists: its Undo is here.
    const undoable = action !== "undo" && action !== "block";
    say(said, undoable ? () => act("undo", id) : null);
    return true;
  }

  async function switchAuto(on) {
    const body = await post({ action: "auto_translate", on });
    if (!body.ok) {
      say(body.error);
      if (last) draw(last);
      return;
    }
    say(on ? "Machine translation on approval: on" : "Machine translation on approval: off",
      () => switchAuto(!on));
  }

  // -- the forms in a row ---------------------------------------------------------------

  function field(name, value, label, long) {
    const wrap = element("label", "field");
    wrap.append(element("span", "", label));
    const input = element(long ? "textarea" : "input");
    input.dataset.field = name;
    input.value = value;
    if (!long) input.autocomplete = "off";
    wrap.append(input);
    return wrap;
  }

  function close(id) {
    editors.delete(id);
    if (last) draw(last);
  }

  // The form of `kind` for question q, made once when opened.
  function editor(q, kind) {
    const form = element("div", "editor");
    form.dataset.kind = kind;
    const value = (name) => form.querySelector('[data-field="' + name + '"]').value;
    const done = async (action, extra) => {
      if (await act(action, q.id, extra)) close(q.id);
    };
    if (kind === "edit") {
      form.append(field("text", q.text, "Question #" + q.id + " · 질문 수정", true),
        button("Save · 저장", () => done("edit", { text: value("text") }), "primary", "save"));
    } else if (kind === "translate") {
      const own = q.lang || (last && last.default_lang);
      for (const lang of (last ? last.languages : [])) {
        if (lang === own) continue;
        const had = (q.translations || {})[lang];
        const line = element("div", "line");
        line.dataset.lang = lang;
        line.append(field(lang, had ? had.text : "", nameOf(lang) + " · 번역", true),
          button("Save " + lang.toUpperCase(),
            () => done("translate", { lang, text: value(lang) }), "primary", "save"));
        if (last && last.machine) {
          line.append(button("Machine · 기계 번역",
            () => done("translate", { lang, text: null }), "", "machine"));
        }
        form.append(line);
      }
    } else {
      const into = field("into", "", "Merge #" + q.id + " into # · 병합할 질문 번호", false);
      into.querySelector("input").inputMode = "numeric";
      form.append(into, button("Merge · 병합", () => {
        const raw = value("into").trim().replace(/^#/, "");
        if (!/^[0-9]{1,12}$/.test(raw)) {
          say("Type the number of the question to merge into · 병합할 질문 번호를 입력하세요");
          return;
        }
        done("merge", { into: Number(raw) });
      }, "primary", "save"));
    }
    form.append(button("Cancel · 취소", () => close(q.id), "", "cancel"));
    return form;
  }

  function open(q, kind) {
    const had = editors.get(q.id);
    if (had && had.kind === kind) {
      close(q.id);
      return;
    }
    editors.set(q.id, { kind, node: editor(q, kind) });
    if (last) draw(last);
    const first = editors.get(q.id).node.querySelector("[data-field]");
    if (first) first.focus();
  }

  // -- rows --------------------------------------------------------------------------------

  // The row's parts other than its open form: number, votes, texts, buttons.
  function parts(q, actions) {
    const number = element("span", "number", "#" + q.id);
    const votes = element("span", "votes", "▲ " + q.votes);
    const body = element("div", "body");
    const text = element("p", "text");
    const said = element("span", "said", q.text);
    if (q.lang) said.lang = q.lang;
    text.append(said, " · " + (q.author || "Anonymous · 익명"), " ",
      element("span", "surface", SURFACES[q.platform] || ""));
    if (q.edited) text.append(" ", element("span", "edited", "edited · 수정됨"));
    body.append(text);
    for (const lang of Object.keys(q.translations || {}).sort()) {
      const t = q.translations[lang];
      const line = element("p", "tr");
      line.dataset.lang = lang;
      if (t.machine) line.dataset.machine = "true";
      const translated = element("span", "translated", t.text);
      translated.lang = lang;
      line.append(element("span", "mark", nameOf(lang) + (t.machine ? " · machine" : "")), " ",
        translated);
      body.append(line);
    }
    const tools = element("span", "tools");
    for (const [label, action, style] of actions) {
      tools.append(button(label, () => act(action, q.id), style, action));
    }
    tools.append(
      button("Edit", () => open(q, "edit"), "", "edit"),
      button("Translate", () => open(q, "translate"), "", "translate"),
      button("Merge", () => open(q, "merge"), "", "merge"));
    if (!actions.some(([, action]) => action === "undo")) {
      tools.append(button("Undo", () => act("undo", q.id), "", "undo"));
    }
    return [number, votes, body, tools];
  }

  // The row of q: a new one, or the one on the page when it holds an open form (its other
  // parts drawn again around the form, which keeps its focus and what is typed in it).
  function row(q, actions) {
    const open = editors.get(q.id);
    const fresh = parts(q, actions);
    const had = open && document.querySelector('li[data-id="' + q.id + '"]');
    if (had && had.contains(open.node)) {
      [...had.children].filter((el) => el !== open.node).forEach((el, i) => el.replaceWith(fresh[i]));
      return had;
    }
    const li = element("li");
    li.dataset.id = String(q.id);
    li.append(...fresh);
    if (open) li.append(open.node);
    return li;
  }

  // Puts `rows` in `list` in order, moving no row that is already there (moving a row
  // would take the focus from a form in it): the rows that go are taken out first, the
  // new ones put in around those that stay.
  function place(list, rows) {
    const staying = new Set(rows);
    for (const el of [...list.children]) if (!staying.has(el)) el.remove();
    let at = list.firstChild;
    for (const li of rows) {
      if (li === at) at = at.nextSibling;
      else list.insertBefore(li, at);
    }
  }

  const PENDING = [["Approve", "approve", "primary"], ["Reject", "reject", "danger"],
    ["Highlight", "highlight"], ["Block asker", "block", "danger"]];
  const APPROVED = [["Highlight", "highlight", "primary"], ["Answered", "answered"],
    ["Reject", "reject", "danger"], ["Undo", "undo"]];
  const CURRENT = [["Answered", "answered", "primary"], ["Undo", "undo"]];

  // -- polls -----------------------------------------------------------------------------

  const STATUS = { ready: "not open yet · 열리기 전", open: "open · 진행 중", closed: "closed · 마감" };
  // Each poll's row, kept while its status and buttons stay the same (only its counts are
  // written again), so a vote storm never swaps a button under the moderator's click.
  const pollRows = new Map();

  async function pollAct(action, id) {
    const body = await post({ action, poll: id });
    if (!body.ok) {
      say(body.error);
      return;
    }
    const done = { poll_open: "open", poll_close: "closed", poll_take_off: "off the screen" };
    say("Poll #" + id + ": " + done[action]);
  }

  function both(text) {
    return text.ko && text.ko !== text.en ? text.en + " · " + text.ko : text.en;
  }

  // The poll's question, each option with its count (even while hidden: this page is the
  // moderators'), and how it runs.
  function pollBody(p) {
    const body = element("div", "body");
    const question = element("p", "text", both(p.question));
    if (p.session === null) question.append(" ", element("span", "edited", "whole event · 행사 전체"));
    body.append(question);
    const options = element("ol", "poll-counts");
    for (const o of p.options) {
      const share = p.voters ? Math.round((o.votes * 100) / p.voters) : 0;
      const line = element("li", "", o.position + ". " + both(o.label) + " — " + o.votes +
        " (" + share + "%)");
      line.dataset.position = String(o.position);
      options.append(line);
    }
    const facts = [p.voters + " voted · " + p.voters + "명 참여"];
    if (p.multiple) facts.push("multiple choice · 복수 선택");
    if (p.hidden) facts.push("hidden from everyone until it closes · 마감 전 비공개");
    if (p.status === "ready" && p.open_on_start) facts.push("opens at the session's start · 세션 시작 때 열림");
    if (p.minutes) facts.push("closes " + p.minutes + " min after it opens · 열린 뒤 " + p.minutes + "분 후 마감");
    if (p.on_screen) facts.push("on the screen · 화면에 표시 중");
    body.append(options, element("p", "dim", facts.join(" · ")));
    return body;
  }

  function pollRow(p) {
    const key = p.status + "/" + p.on_screen;
    const had = pollRows.get(p.id);
    if (had && had.key === key) {
      had.li.replaceChild(pollBody(p), had.li.querySelector(".body"));
      return had.li;
    }
    const li = element("li", "poll-row");
    li.dataset.poll = String(p.id);
    li.dataset.status = p.status;
    const tools = element("span", "tools");
    // A poll of the whole event is run by the event's moderators (/poll), not from one
    // session's page: this page only takes its result off its own screen.
    const ours = p.session !== null;
    if (ours && p.status === "ready") {
      tools.append(button("Open · 열기", () => pollAct("poll_open", p.id), "primary", "poll-open"));
    }
    if (ours && p.status !== "closed") {
      tools.append(button("Close · 마감", () => pollAct("poll_close", p.id), "danger", "poll-close"));
    }
    if (p.status === "closed" && p.on_screen) {
      tools.append(button("Back to the questions · 질문 화면으로", () => pollAct("poll_take_off", p.id),
        "", "poll-take-off"));
    }
    li.append(element("span", "number", "#" + p.id), element("span", "status", STATUS[p.status]),
      pollBody(p), tools);
    pollRows.set(p.id, { key, li });
    return li;
  }

  function drawPolls(polls) {
    byId("polls-part").hidden = polls === undefined;
    if (polls === undefined) return;
    const rows = polls.map(pollRow);
    const shown = new Set(polls.map((p) => p.id));
    for (const id of [...pollRows.keys()]) if (!shown.has(id)) pollRows.delete(id);
    place(byId("polls"), rows);
    byId("polls-empty").hidden = polls.length > 0;
  }

  byId("poll-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (id) => byId(id).value;
    const minutes = value("poll-minutes").trim();
    const body = await post({
      action: "poll_create",
      question: value("poll-question"),
      question_ko: value("poll-question-ko"),
      options: value("poll-options"),
      options_ko: value("poll-options-ko"),
      multiple: byId("poll-multiple").checked,
      hidden: byId("poll-hidden").checked,
      opens: value("poll-opens"),
      minutes: minutes === "" ? null : minutes,
    });
    if (!body.ok) {
      say(body.error);
      return;
    }
    say("Poll #" + body.poll + " made: " + STATUS[body.status]);
    byId("poll-form").reset();
  });

  function draw(state) {
    last = state;
    byId("title").textContent = "Q&A · " + state.title.en;
    byId("status").textContent = state.open ? "open · 질문 받는 중" : "closed · 마감";
    const auto = byId("auto-translate");
    auto.checked = Boolean(state.auto_translate);
    auto.disabled = !state.machine;
    byId("machine-note").hidden = Boolean(state.machine);
    if (state.speaker) byId("speaker").href = state.speaker;
    const shown = new Set();
    const lists = [
      ["highlight", state.highlight ? [state.highlight] : [], CURRENT],
      ["pending", state.pending, PENDING],
      ["approved", state.top, APPROVED],
    ];
    for (const [id, questions, actions] of lists) {
      questions.forEach((q) => shown.add(q.id));
      place(byId(id), questions.map((q) => row(q, actions)));
    }
    // A form on a question that left the lists (merged, rejected elsewhere) goes.
    for (const id of [...editors.keys()]) if (!shown.has(id)) editors.delete(id);
    drawPolls(state.polls);
  }

  byId("auto-translate").addEventListener("change", (event) => switchAuto(event.target.checked));

  // A state that only moved the polls (a vote storm) redraws the polls alone: the
  // questions' rows, and the buttons in them, stay as they are under the mouse.
  let questionsDrawn = null;
  function render(state) {
    const questions = JSON.stringify({ ...state, polls: null });
    if (questions === questionsDrawn) {
      last = state;
      drawPolls(state.polls);
      return;
    }
    questionsDrawn = questions;
    draw(state);
  }

  window.forumLive({
    events: base + "/events?token=" + encodeURIComponent(token),
    state: base + "/state",
    headers: { "X-Moderator-Token": token },
    pollMs: POLL_MS,
    retryEvery: 20, // a minute of polls
    render,
  });
})();
