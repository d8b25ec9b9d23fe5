// Charts drawn with the vendored uPlot from data the page carries in data-series (JSON).
// Labels follow the page's language through Intl; no inline script, no network.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en-US";
  var SERIES = ["--series-1", "--series-2", "--series-3", "--series-4", "--series-5"];
  var plots = [];

  // A colour of the stylesheet as the page shows it now (light or dark): custom properties hold
  // light-dark(...) unresolved, so a probe element resolves them.
  function cssColor(name) {
    var probe = document.createElement("span");
    probe.style.color = "var(" + name + ")";
    probe.hidden = true;
    document.body.appendChild(probe);
    var color = getComputedStyle(probe).color;
    probe.remove();
    return color;
  }
  var units = [[Math.pow(1024, 4), "terabyte"], [Math.pow(1024, 3), "gigabyte"], [Math.pow(1024, 2), "megabyte"]];

  function bytes(value) {
    if (value == null) { return ""; }
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(value) >= units[i][0]) {
        return new Intl.NumberFormat(lang, {style: "unit", unit: units[i][1], unitDisplay: "short",
                                             maximumFractionDigits: 1}).format(value / units[i][0]);
      }
    }
    return new Intl.NumberFormat(lang, {style: "unit", unit: "byte", unitDisplay: "short"}).format(value);
  }

  function count(value) {
    return value == null ? "" : new Intl.NumberFormat(lang, {maximumFractionDigits: 0}).format(value);
  }

  function draw(el) {
    if (!window.uPlot || el.dataset.drawn) { return; }
    el.dataset.drawn = "1";
    var ink = cssColor("--ink-soft"), grid = cssColor("--line-soft"), ticks = cssColor("--line");
    var data = JSON.parse(el.dataset.series);
    var format = el.dataset.unit === "count" ? count : bytes;
    var xs = data.days.map(function (d) { return Date.parse(d + "T00:00:00Z") / 1000; });
    var dayFormat = new Intl.DateTimeFormat(lang, {month: "short", day: "numeric", timeZone: "UTC"});
    var columns = [xs];
    // Away from the cursor (idx null) the legend shows the latest values rather than blanks.
    function latest(values) {
      for (var i = values.length - 1; i >= 0; i--) { if (values[i] != null) { return values[i]; } }
      return null;
    }
    function shown(values, v, idx) { return idx == null ? latest(values) : v; }
    var series = [{label: el.dataset.xLabel, value: function (u, t, sidx, idx) {
      t = shown(xs, t, idx);
      return t == null ? "" : dayFormat.format(new Date(t * 1000));
    }}];
    data.series.forEach(function (s, i) {
      series.push({label: s.name, stroke: cssColor(SERIES[i % SERIES.length]), width: 2, spanGaps: true,
                   value: function (u, v, sidx, idx) { return format(shown(s.values, v, idx)); }});
      columns.push(s.values);
    });
    var opts = {
      width: el.clientWidth, height: 260, series: series,
      scales: {x: {time: true}},
      axes: [
        {stroke: ink, grid: {stroke: grid}, ticks: {stroke: ticks},
         values: function (u, ts) { return ts.map(function (t) { return dayFormat.format(new Date(t * 1000)); }); }},
        {stroke: ink, grid: {stroke: grid}, ticks: {stroke: ticks}, size: 80,
         values: function (u, ts) { return ts.map(format); }}
      ],
      legend: {live: true}
    };
    plots.push({el: el, plot: new window.uPlot(opts, columns, el)});
  }

  function drawAll() { document.querySelectorAll("[data-chart]").forEach(draw); }

  // Drawn again in the other theme's colours when the system switches between light and dark.
  function redrawAll() {
    plots.splice(0).forEach(function (p) { p.plot.destroy(); delete p.el.dataset.drawn; });
    drawAll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawAll();
    window.addEventListener("resize", function () {
      plots.forEach(function (p) { p.plot.setSize({width: p.el.clientWidth, height: 260}); });
    });
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redrawAll);
  });
})();
