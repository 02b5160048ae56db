/* culturewatch: the reader's Datasette (storage/web/pages.py loads it on every page).
   - the column descriptions of a table fold into a "Column descriptions" summary;
   - a canned query's `theme` parameter becomes a list of the theme keys. */
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    document.querySelectorAll("dl.column-descriptions").forEach(function (dl) {
      var details = document.createElement("details");
      details.className = "cw-columns";
      var summary = document.createElement("summary");
      summary.textContent = "Column descriptions";
      details.appendChild(summary);
      dl.parentNode.insertBefore(details, dl);
      details.appendChild(dl);
    });
    var themes = window.culturewatchThemes || {};
    var keys = Object.keys(themes);
    if (!keys.length) return;
    document.querySelectorAll("form.sql input[name=theme]").forEach(function (input) {
      var select = document.createElement("select");
      select.name = input.name;
      select.id = input.id;
      var all = document.createElement("option");
      all.value = "";
      all.textContent = "(all themes)";
      select.appendChild(all);
      keys.forEach(function (key) {
        var option = document.createElement("option");
        option.value = key;
        option.textContent = key + ": " + themes[key];
        if (key === input.value) option.selected = true;
        select.appendChild(option);
      });
      input.parentNode.replaceChild(select, input);
    });
  });
})();
