// Charts drawn with the vendored uPlot from data the page carries in data-series (JSON).
// Labels follow the page's language through Intl; no inline script, no network.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en-US";
  var COLORS = ["#1e66d0", "#22a37a", "#d9822b", "#8b5cf6", "#c2410c"];
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
      series.push({label: s.name, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true,
                   value: function (u, v, sidx, idx) { return format(shown(s.values, v, idx)); }});
      columns.push(s.values);
    });
    var opts = {
      width: el.clientWidth, height: 260, series: series,
      scales: {x: {time: true}},
      axes: [
        {values: function (u, ticks) { return ticks.map(function (t) { return dayFormat.format(new Date(t * 1000)); }); }},
        {size: 80, values: function (u, ticks) { return ticks.map(format); }}
      ],
      legend: {live: true}
    };
    var plot = new window.uPlot(opts, columns, el);
    window.addEventListener("resize", function () { plot.setSize({width: el.clientWidth, height: 260}); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
