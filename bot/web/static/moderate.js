"use strict";
// The moderators' page: same data as the presenter screen plus the waiting questions,
// and a button per action. Every text goes in with textContent, never as markup.
(function () {
  const session = decodeURIComponent(location.pathname.split("/")[2] || "");
  const token = new URLSearchParams(location.search).get("token") || "";
  const byId = (id) => document.getElementById(id);
  const base = "/moderate/" + encodeURIComponent(session);
  const SURFACES = { web: "Web", discord: "Discord", slack: "Slack", console: "Terminal" };
  // Past the server's cap on live streams, the page asks for the state this often.
  const POLL_MS = 3000;

  async function act(action, id) {
    const reason = action === "reject" ? byId("reason").value.trim() : "";
    const response = await fetch(base + "/action", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Moderator-Token": token },
      body: JSON.stringify({ action, id, reason: reason || null }),
    });
    const body = await response.json().catch(() => ({ ok: false, error: response.statusText }));
    byId("message").textContent = body.ok ? "#" + id + ": " + action : body.error;
    if (body.ok && action === "reject") byId("reason").value = "";
  }

  function button(label, action, id, style) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.action = action;
    if (style) b.className = style;
    b.addEventListener("click", () => act(action, id));
    return b;
  }

  function row(q, actions) {
    const li = document.createElement("li");
    li.dataset.id = String(q.id);
    const number = document.createElement("span");
    number.textContent = "#" + q.id;
    const votes = document.createElement("span");
    votes.className = "votes";
    votes.textContent = "▲ " + q.votes;
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = q.text + " · " + (q.author || "Anonymous · 익명");
    const where = document.createElement("span");
    where.className = "surface";
    where.textContent = SURFACES[q.platform] || "";
    text.append(" ", where);
    const tools = document.createElement("span");
    for (const [label, action, style] of actions) tools.append(button(label, action, q.id, style));
    li.append(number, votes, text, tools);
    return li;
  }

  const PENDING = [["Approve", "approve", "primary"], ["Reject", "reject", "danger"],
    ["Highlight", "highlight"], ["Block asker", "block", "danger"]];
  const APPROVED = [["Highlight", "highlight", "primary"], ["Answered", "answered"],
    ["Reject", "reject", "danger"], ["Undo", "undo"]];
  const CURRENT = [["Answered", "answered", "primary"], ["Undo", "undo"]];

  function render(state) {
    byId("title").textContent = "Q&A · " + state.title.en;
    byId("status").textContent = state.open ? "open · 질문 받는 중" : "closed · 마감";
    byId("highlight").replaceChildren(...(state.highlight ? [row(state.highlight, CURRENT)] : []));
    byId("pending").replaceChildren(...state.pending.map((q) => row(q, PENDING)));
    byId("approved").replaceChildren(...state.top.map((q) => row(q, APPROVED)));
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
