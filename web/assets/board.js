// orderhub war room: live updates by polling with ETag (see
// docs/dashboard.md for why not server-sent events). Every 10 s the board
// asks for its live fragment with If-None-Match; 304 means nothing
// changed, 200 replaces the fragment. A failed poll (server restarting,
// network gone) shows a notice and retries with backoff up to a minute,
// so a board left open all day on a TV recovers by itself; a 401 (the
// session ended) asks to log in again instead of retrying forever.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var conn = document.getElementById("conn");
  function notice(text) {
    if (!conn) return;
    conn.hidden = !text;
    conn.textContent = text || "";
  }
  if (live) {
    var src = live.getAttribute("data-src");
    var every = parseInt(live.getAttribute("data-poll"), 10) || 10000;
    var etag = null, failures = 0, timer = null;
    var schedule = function (ms) { clearTimeout(timer); timer = setTimeout(poll, ms); };
    var poll = function () {
      var headers = { "X-Board-Poll": "1" };
      if (etag) headers["If-None-Match"] = etag;
      fetch(src, { headers: headers, credentials: "same-origin", cache: "no-store" }).then(function (r) {
        if (r.status === 401) {
          notice("登录已过期，请重新登录");
          conn.innerHTML = '登录已过期，<a href="/dashboard/login?next=' + encodeURIComponent(location.pathname + location.search) + '">重新登录</a>';
          return null;
        }
        if (r.status === 304) { failures = 0; notice(""); schedule(every); return null; }
        if (!r.ok) throw new Error("HTTP " + r.status);
        etag = r.headers.get("ETag");
        return r.text().then(function (html) {
          live.innerHTML = html;
          failures = 0; notice("");
          document.dispatchEvent(new CustomEvent("board:updated"));
          schedule(every);
        });
      }).catch(function () {
        failures++;
        var wait = Math.min(every * Math.pow(2, failures - 1), 60000);
        notice("与服务器的连接中断，" + Math.round(wait / 1000) + " 秒后重试…（看板显示的是断开前的数据）");
        schedule(wait);
      });
    };
    // A poll as soon as a hidden tab comes back, so a phone shows fresh data.
    document.addEventListener("visibilitychange", function () { if (!document.hidden) schedule(0); });
    schedule(every);
  }
})();
