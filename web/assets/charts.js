// orderhub war room charts, drawn with Apache ECharts (web/charts, pinned
// by its lock file) from the numbers the page carries; the tables under
// each chart hold the same numbers for anyone without JavaScript.
(function () {
  "use strict";
  if (!window.echarts) return;
  var charts = [];
  function chart(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    var c = echarts.init(el, null, { renderer: "svg" });
    charts.push(c);
    return c;
  }
  var pct = function (v) { return Math.round(v * 1000) / 10; };

  // The on-time trend: the page carries 90 days; 近 30 天 shows the last 30
  // of them (the same days the 30-day rate above counts).
  var trendEl = document.getElementById("chart-ontime");
  if (trendEl) {
    var all = JSON.parse(trendEl.getAttribute("data-days") || "[]");
    var trend = chart("chart-ontime");
    var draw = function (n) {
      var days = all.slice(-n);
      trend.setOption({
        animation: false, // switching ranges redraws at once (and screenshots are never mid-transition)
        tooltip: { trigger: "axis" },
        legend: { data: ["准时率 %", "OTIF %", "签收单数"] },
        grid: { left: 40, right: 50, bottom: 30, top: 40 },
        xAxis: { type: "category", data: days.map(function (d) { return d.day.slice(5); }) },
        yAxis: [{ type: "value", min: 0, max: 100, name: "%" }, { type: "value", name: "单" }],
        series: [
          { name: "准时率 %", type: "line", smooth: true, showSymbol: false, data: days.map(function (d) { return d.delivered ? pct(d.rate) : null; }) },
          { name: "OTIF %", type: "line", smooth: true, showSymbol: false, data: days.map(function (d) { return d.delivered ? pct(d.otif_rate) : null; }) },
          { name: "签收单数", type: "bar", yAxisIndex: 1, itemStyle: { opacity: 0.25 }, data: days.map(function (d) { return d.delivered; }) }
        ]
      });
      trendEl.setAttribute("data-shown", String(days.length));
    };
    var buttons = document.querySelectorAll("#ontime-range button");
    buttons.forEach(function (b) {
      b.addEventListener("click", function () {
        buttons.forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
        draw(parseInt(b.getAttribute("data-days"), 10));
      });
    });
    draw(90);
  }

  var rows = document.querySelectorAll("#dwell-table tr[data-stage]");
  if (rows.length) {
    var names = [], p50 = [], p90 = [];
    rows.forEach(function (r) {
      names.push(r.getAttribute("data-stage"));
      p50.push(Math.round(parseFloat(r.getAttribute("data-p50")) * 10) / 10);
      p90.push(Math.round(parseFloat(r.getAttribute("data-p90")) * 10) / 10);
    });
    chart("chart-dwell").setOption({
      tooltip: { trigger: "axis" }, legend: { data: ["中位数（小时）", "90%（小时）"] },
      grid: { left: 40, right: 20, bottom: 30, top: 40 },
      xAxis: { type: "category", data: names }, yAxis: { type: "value", name: "小时" },
      series: [{ name: "中位数（小时）", type: "bar", data: p50 }, { name: "90%（小时）", type: "bar", data: p90 }]
    });
  }

  var trs = document.querySelectorAll("#ticket-table tr[data-kind]");
  if (trs.length) {
    var kinds = [], series = { "平均": [], "中位数": [], "90%": [] };
    trs.forEach(function (r) {
      kinds.push(r.getAttribute("data-kind"));
      series["平均"].push(Math.round(parseFloat(r.getAttribute("data-mean"))));
      series["中位数"].push(Math.round(parseFloat(r.getAttribute("data-p50"))));
      series["90%"].push(Math.round(parseFloat(r.getAttribute("data-p90"))));
    });
    chart("chart-tickets").setOption({
      tooltip: { trigger: "axis" }, legend: { data: Object.keys(series) },
      grid: { left: 50, right: 20, bottom: 30, top: 40 },
      xAxis: { type: "category", data: kinds }, yAxis: { type: "value", name: "分钟" },
      series: Object.keys(series).map(function (k) { return { name: k, type: "bar", data: series[k] }; })
    });
  }

  var el = document.getElementById("chart-calendar");
  if (el) {
    var cal = JSON.parse(el.getAttribute("data-calendar") || "[]");
    var data = [], top = 0, ys = cal.map(function (c) { return (c.clustered ? "★ " : "") + c.name; });
    cal.forEach(function (c, y) {
      c.by_day_of_month.forEach(function (n, x) { data.push([x, y, n || "-"]); if (n > top) top = n; });
    });
    var xs = []; for (var i = 1; i <= 31; i++) xs.push(i + "号");
    chart("chart-calendar").setOption({
      tooltip: { position: "top" },
      grid: { left: 190, right: 20, top: 10, bottom: 70 },
      xAxis: { type: "category", data: xs, splitArea: { show: true } },
      yAxis: { type: "category", data: ys, inverse: true, axisLabel: { width: 180, overflow: "truncate" } },
      visualMap: { min: 0, max: Math.max(top, 1), calculable: true, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#f6f8fa", "#0969da"] } },
      series: [{ name: "订单数", type: "heatmap", data: data, label: { show: false } }]
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
