"use strict";
// The event's page shows times in the reader's zone: tell the server the browser's zone
// (a cookie it reads) and reload once. Without this script times stay in the event's zone.
(function () {
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    return;
  }
  // IANA names only ("Asia/Seoul"): nothing else goes into the cookie.
  if (!/^[A-Za-z0-9_+\-/]{1,60}$/.test(zone)) return;
  const has = () => document.cookie.split("; ").includes("tz=" + zone);
  if (has()) return;
  document.cookie = "tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
  // Reload only if the cookie stuck (cookies may be off): once, never in a loop.
  if (has()) location.reload();
})();
