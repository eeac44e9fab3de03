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

  // A copy of the workbook is made on its first download, which takes seconds (minutes for a large
  // workbook): say so meanwhile, and show its one-line message if it cannot be made. Without this
  // script the link downloads as the others do.
  var making = document.getElementById("making");
  Array.prototype.forEach.call(document.querySelectorAll("a[data-made]"), function (link) {
    var busy = false;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      making.className = "muted";
      making.textContent = "Making the " + link.textContent.toLowerCase() + "…";
      fetch(link.href).then(function (answer) {
        if (!answer.ok) {
          return answer.text().then(function (text) { throw { told: text.trim() }; });
        }
        return answer.blob();
      }).then(function (blob) {
        var address = URL.createObjectURL(blob);
        var save = document.createElement("a");
        save.href = address;
        save.download = link.getAttribute("download");
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () { URL.revokeObjectURL(address); }, 60000);
        making.textContent = "";
      }).catch(function (error) {
        making.className = "error";
        making.textContent = (error && error.told) || "The page could not reach annexa-check: is it still running?";
      }).then(function () { busy = false; });
    });
  });

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
