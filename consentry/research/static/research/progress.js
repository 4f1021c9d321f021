// Research video: asks every few seconds how far the processing is and shows it in place
// (research/video_progress.html). When the video needs no more waiting (to be marked,
// ready, failed) the page is loaded again, so its links and coverage are current.
// Without JavaScript the page offers a link to look again.
(function () {
  "use strict";
  if (!window.fetch) { return; }
  var EVERY_MS = 3000;

  function poll(box) {
    window.setTimeout(function () {
      fetch(box.getAttribute("data-poll"), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector(".video-status");
          if (!fresh || !fresh.hasAttribute("data-poll")) { window.location.reload(); return; }
          box.innerHTML = fresh.innerHTML;
          poll(box);
        })
        .catch(function () { poll(box); });
    }, EVERY_MS);
  }

  Array.prototype.forEach.call(document.querySelectorAll(".video-status[data-poll]"), poll);
})();
