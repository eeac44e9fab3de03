// Search, filters and sorting for the child-level table. Rows stay in the HTML, so the
// report reads without this script; it only hides rows and reorders them.
(function () {
  "use strict";
  var table = document.getElementById("findings");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById("filter-text");
  var selects = {
    type: document.getElementById("filter-type"),
    list: document.getElementById("filter-list"),
    team: document.getElementById("filter-team")
  };
  var shown = document.getElementById("shown");
  var total = rows.length;
  rows.forEach(function (row) { row.dataset.search = row.textContent.toLowerCase(); });

  function apply() {
    var query = text.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var keep = (!query || row.dataset.search.indexOf(query) !== -1) &&
        (!selects.type.value || row.dataset.type === selects.type.value) &&
        (!selects.list.value || row.dataset.list === selects.list.value) &&
        (!selects.team.value || row.dataset.team === selects.team.value);
      row.hidden = !keep;
      if (keep) { count += 1; }
    });
    shown.textContent = "Showing " + count.toLocaleString("en-GB") + " of " + total.toLocaleString("en-GB") + " findings";
  }

  text.addEventListener("input", apply);
  Object.keys(selects).forEach(function (key) { selects[key].addEventListener("change", apply); });
  document.getElementById("filter-reset").addEventListener("click", function () {
    text.value = "";
    Object.keys(selects).forEach(function (key) { selects[key].value = ""; });
    apply();
  });

  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th, index) {
    th.querySelector("button").addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var keyed = rows.map(function (row, position) {
        var value = row.cells[index].textContent.trim();
        var number = /^\d+$/.test(value) ? parseInt(value, 10) : null;
        return { row: row, value: value, number: number, position: position };
      });
      keyed.sort(function (a, b) {
        var order;
        if (a.number !== null && b.number !== null) { order = a.number - b.number; }
        else if (a.value === "" || b.value === "") { order = (a.value === "") - (b.value === ""); return order || a.position - b.position; }
        else { order = a.value.localeCompare(b.value, "en-GB", { numeric: true, sensitivity: "base" }); }
        return (ascending ? order : -order) || a.position - b.position;
      });
      keyed.forEach(function (item) { body.appendChild(item.row); });
    });
  });
})();
