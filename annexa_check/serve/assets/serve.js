// The upload page: drop a file, show progress while it uploads and is checked, then open the result.
// Without this script the form still posts and the server answers with the result page.
(function () {
  "use strict";
  var form = document.getElementById("upload");
  if (form) {
    var input = document.getElementById("workbook");
    var drop = document.getElementById("drop");
    var progress = document.getElementById("progress");
    var bar = document.getElementById("bar");
    var status = document.getElementById("status");
    var error = document.getElementById("error");
    var button = document.getElementById("check");

    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) { input.files = event.dataTransfer.files; }
    });

    var done = function (message) {
      progress.hidden = true;
      button.disabled = false;
      error.textContent = message;
    };

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!input.files.length) { done("Choose a workbook first."); return; }
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round(100 * e.loaded / e.total);
          status.textContent = "Uploading… " + bar.value + "%";
        }
      });
      request.upload.addEventListener("load", function () {
        bar.removeAttribute("value");
        status.textContent = "Checking…";
      });
      request.addEventListener("load", function () {
        var answer;
        try { answer = JSON.parse(request.responseText); } catch (e) { answer = {}; }
        if (answer.result) { window.location.assign(answer.result); return; }
        done(answer.error || "The check failed (" + request.status + ").");
      });
      request.addEventListener("error", function () {
        done("The page could not reach annexa-check: is it still running?");
      });
      error.textContent = "";
      progress.hidden = false;
      button.disabled = true;
      bar.value = 0;
      status.textContent = "Uploading…";
      request.send(new FormData(form));
    });
  }

  // The report's frame grows with the report, so the page scrolls as one.
  var frame = document.getElementById("report");
  if (frame) {
    var fit = function () {
      var doc = frame.contentDocument;
      if (doc && doc.documentElement) { frame.style.height = doc.documentElement.scrollHeight + 20 + "px"; }
    };
    frame.addEventListener("load", function () {
      fit();
      if (window.ResizeObserver && frame.contentDocument) {
        new ResizeObserver(fit).observe(frame.contentDocument.body);
      }
    });
  }
})();
