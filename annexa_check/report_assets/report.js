// The child-level table: every finding is in the page's JSON block; this script shows a page of
// them at a time, with search, filters and sorting over all of them. Nothing is fetched. The
// first page is also in the HTML, so the report reads (and prints) without the script.
(function () {
  "use strict";
  var table = document.getElementById("findings");
  var block = document.getElementById("findings-data");
  if (!table || !block) { return; }
  var data = JSON.parse(block.textContent);
  var dict = data.dict;
  var total = data.rows;
  var pageRows = parseInt(table.getAttribute("data-page"), 10) || 100;
  var body = table.tBodies[0];
  var shown = document.getElementById("shown");
  var pageAt = document.getElementById("page-at");
  var text = document.getElementById("filter-text");
  var selects = {
    group: document.getElementById("filter-group"),
    type: document.getElementById("filter-type"),
    list: document.getElementById("filter-list"),
    team: document.getElementById("filter-team")
  };
  var keyGroup = dict.__group.indexOf("Key error types");
  var errorSeverity = dict.severity.indexOf("error");
  // the table's columns, in order: [field, coded?]
  var columns = [["child_id", false], ["list", true], ["row", false], ["column", true], ["value", false],
    ["message", true], ["error_type", true], ["team", true], ["worker", true]];
  var order = null;   // all rows in the chosen sort order (null: as written, key types first)
  var matches = [];   // the rows that pass the filters, in order
  var page = 0;

  function cell(field, i) {
    var v = data[field][i];
    if (field === "row") { return v === null ? "" : String(v); }
    return dict[field] ? dict[field][v] : v;
  }

  function codeOf(field, value) { return value === "" ? -1 : dict[field].indexOf(value); }

  function filter() {
    var query = text.value.trim().toLowerCase();
    var group = selects.group.value;
    var type = codeOf("error_type", selects.type.value);
    var list = codeOf("list", selects.list.value);
    var team = codeOf("__team", selects.team.value);
    // a coded text matches once per distinct text, not once per row
    var hits = {};
    if (query) {
      ["list", "column", "message", "error_type", "team", "worker", "rule"].forEach(function (f) {
        hits[f] = dict[f].map(function (w) { return w.toLowerCase().indexOf(query) !== -1; });
      });
      hits.error_type = hits.error_type.map(function (hit, k) {
        return hit || dict.type_words[k].toLowerCase().indexOf(query) !== -1;
      });
    }
    matches = [];
    var n = total;
    for (var p = 0; p < n; p += 1) {
      var i = order ? order[p] : p;
      if (type >= 0 && data.error_type[i] !== type) { continue; }
      if (list >= 0 && data.list[i] !== list) { continue; }
      if (team >= 0 && data.__team[i] !== team) { continue; }
      if (group === "key" && data.__group[i] !== keyGroup) { continue; }
      if (group === "error" && data.severity[i] !== errorSeverity) { continue; }
      if (group === "warning" && data.severity[i] === errorSeverity) { continue; }
      if (query && !(hits.list[data.list[i]] || hits.column[data.column[i]] || hits.message[data.message[i]] ||
          hits.error_type[data.error_type[i]] || hits.team[data.team[i]] || hits.worker[data.worker[i]] ||
          hits.rule[data.rule[i]] || data.child_id[i].toLowerCase().indexOf(query) !== -1 ||
          data.value[i].toLowerCase().indexOf(query) !== -1 || String(data.row[i]) === query)) { continue; }
      matches.push(i);
    }
    page = 0;
    render();
  }

  function render() {
    var pages = Math.max(1, Math.ceil(matches.length / pageRows));
    page = Math.min(Math.max(page, 0), pages - 1);
    var rows = document.createDocumentFragment();
    var end = Math.min(matches.length, (page + 1) * pageRows);
    for (var p = page * pageRows; p < end; p += 1) {
      var i = matches[p];
      var tr = document.createElement("tr");
      columns.forEach(function (column) {
        var td = document.createElement("td");
        if (column[0] === "error_type") {
          var a = document.createElement("a");
          a.href = "#rule-" + dict.rule[data.rule[i]];
          a.textContent = dict.type_words[data.error_type[i]];
          td.appendChild(a);
        } else {
          td.textContent = cell(column[0], i);
        }
        tr.appendChild(td);
      });
      rows.appendChild(tr);
    }
    body.textContent = "";
    body.appendChild(rows);
    shown.textContent = "Showing " + matches.length.toLocaleString("en-GB") + " of " +
      total.toLocaleString("en-GB") + " findings";
    pageAt.textContent = "Page " + (page + 1).toLocaleString("en-GB") + " of " + pages.toLocaleString("en-GB");
    document.getElementById("page-prev").disabled = page === 0;
    document.getElementById("page-first").disabled = page === 0;
    document.getElementById("page-next").disabled = page >= pages - 1;
    document.getElementById("page-last").disabled = page >= pages - 1;
  }

  function go(to) { page = to; render(); }
  document.getElementById("page-first").addEventListener("click", function () { go(0); });
  document.getElementById("page-prev").addEventListener("click", function () { go(page - 1); });
  document.getElementById("page-next").addEventListener("click", function () { go(page + 1); });
  document.getElementById("page-last").addEventListener("click", function () { go(Infinity); });

  var typing = null;
  text.addEventListener("input", function () { clearTimeout(typing); typing = setTimeout(filter, 150); });
  Object.keys(selects).forEach(function (key) { selects[key].addEventListener("change", filter); });
  document.getElementById("filter-reset").addEventListener("click", function () {
    text.value = "";
    Object.keys(selects).forEach(function (key) { selects[key].value = ""; });
    filter();
  });

  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th, index) {
    th.querySelector("button").addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var field = columns[index][0];
      var values = new Array(total);
      var numeric = field === "row";
      for (var i = 0; i < total; i += 1) {
        values[i] = field === "error_type" ? dict.type_words[data.error_type[i]] : cell(field, i);
      }
      var collator = new Intl.Collator("en-GB", { numeric: true, sensitivity: "base" });
      order = new Array(total);
      for (var k = 0; k < total; k += 1) { order[k] = k; }
      order.sort(function (a, b) {
        var x = values[a], y = values[b], c;
        if (x === "" || y === "") { c = (x === "") - (y === ""); return c || a - b; }
        c = numeric ? parseInt(x, 10) - parseInt(y, 10) : collator.compare(x, y);
        return (ascending ? c : -c) || a - b;
      });
      filter();
    });
  });
  filter();
})();
