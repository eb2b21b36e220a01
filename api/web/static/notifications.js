// The open notifications page hears new and updated press alerts (/thong-bao/stream, session cookie).
(function () {
  "use strict";
  var live = document.getElementById("live-alerts");
  if (!live || !window.EventSource) { return; }
  var source = new EventSource("/thong-bao/stream");
  function show(event, label) {
    var alert = JSON.parse(event.data);
    var item = document.createElement("li");
    item.className = "live " + alert.kind;
    item.textContent = label + alert.rule_title + ": " + alert.title + " — " + alert.why;
    live.insertBefore(item, live.firstChild);
    var reload = document.getElementById("live-reload");
    if (reload) { reload.hidden = false; }
  }
  source.addEventListener("alert.opened", function (e) { show(e, "Mới: "); });
  source.addEventListener("alert.updated", function (e) { show(e, "Cập nhật: "); });
}());
