// Uploads the chosen photos one by one, with a progress bar per file. Without JavaScript
// the form posts all files at once and the page lists each file's outcome.
(function () {
  "use strict";
  var form = document.getElementById("photo-upload");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = form.querySelector("input[type=file]");
  var list = form.querySelector(".upload-progress");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function row(file) {
    var item = document.createElement("li");
    var label = document.createElement("span");
    var bar = document.createElement("progress");
    var status = document.createElement("span");
    label.textContent = file.name + " ";
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    item.append(label, bar, " ", status);
    list.append(item);
    return { bar: bar, status: status };
  }

  var failed = false;

  function send(files, index) {
    // All stored: show them in the table; otherwise keep the messages of the bad files.
    if (index >= files.length) { if (!failed) { window.location.reload(); } return; }
    var view = row(files[index]);
    var data = new FormData();
    data.append("photos", files[index]);
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.setRequestHeader("X-CSRFToken", token);
    request.upload.onprogress = function (event) {
      if (event.lengthComputable) { view.bar.value = Math.round(100 * event.loaded / event.total); }
    };
    request.onloadend = function () {
      view.bar.value = 100;
      var message = "";
      try { message = JSON.parse(request.responseText).files[0].message; } catch (e) { message = String(request.status); }
      view.status.textContent = message;
      if (request.status !== 200) { failed = true; }
      send(files, index + 1);
    };
    request.send(data);
  }

  form.addEventListener("submit", function (event) {
    if (!input.files.length) { return; }
    event.preventDefault();
    list.hidden = false;
    list.textContent = "";
    failed = false;
    send(Array.prototype.slice.call(input.files), 0);
  });
})();
