"use strict";
// How every live page follows the server: its stream of states (server-sent events), and
// past the server's cap on streams (refused: 503, "too many viewers") its state polled
// instead. <body data-state> says which: "live", "polling" or "reconnecting"; a streamed
// state's event id (its version) goes on <body data-version>.
//
// forumLive({
//   events,          the stream's address
//   state,           the polled state's address
//   headers,         sent with each poll (a token, Accept)
//   pollMs,          time between polls
//   retryEvery,      after this many polls, try the stream again (0: never)
//   render,          render(data, mode): a state, mode "live" (streamed) or "polling"
//   onPolling,       called once each time polling starts
// })
window.forumLive = function ({
  events, state, headers = {}, pollMs, retryEvery = 0, render, onPolling = () => {},
}) {
  const body = document.body;

  function listen() {
    const source = new EventSource(events);
    source.onmessage = (event) => {
      render(JSON.parse(event.data), "live");
      if (event.lastEventId) body.dataset.version = event.lastEventId;
      body.dataset.state = "live";
    };
    source.onerror = () => {
      // CLOSED: refused (503, too many viewers) rather than cut: poll instead.
      if (source.readyState === EventSource.CLOSED) poll();
      else body.dataset.state = "reconnecting";
    };
  }

  // Every pollMs the state, and every retryEvery polls the stream again, which may have
  // room by then (refused again, polling starts over).
  function poll() {
    body.dataset.state = "polling";
    onPolling();
    let polls = 0;
    const tick = async () => {
      try {
        const response = await fetch(state, { cache: "no-store", headers });
        if (response.ok) {
          render(await response.json(), "polling");
          body.dataset.state = "polling";
        }
      } catch (error) {
        body.dataset.state = "reconnecting";
      }
      polls += 1;
      if (retryEvery > 0 && polls % retryEvery === 0) listen();
      else setTimeout(tick, pollMs);
    };
    tick();
  }

  if (typeof EventSource === "function") listen();
  else poll();
};
