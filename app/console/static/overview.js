/* 概览's charts: Apache ECharts (pinned in static/vendor) draws what the page embeds as JSON in
 * <script type="application/json" id="overview-data">. No inline script: the console's CSP allows
 * scripts from itself only. Tooltips are drawn on the canvas (renderMode richText), not as HTML. */
(function () {
  "use strict";
  var source = document.getElementById("overview-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var brand = "#c8102e", blue = "#0969da", grey = "#8c959f";
  var base = {
    animation: false,
    textStyle: { fontFamily: "sans-serif" },
    tooltip: { trigger: "axis", renderMode: "richText" },
    grid: { left: 48, right: 48, top: 40, bottom: 72, containLabel: false },
  };
  var charts = [];

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }  // the page said "no data" instead
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(Object.assign({}, base, option));
    charts.push(chart);
  }

  function categories(names) {
    return { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0 } };
  }

  draw("chart-hours", {
    xAxis: categories(data.children.names),
    yAxis: { type: "value", name: "小时" },
    series: [{ name: "服务时长", type: "bar", data: data.children.hours, itemStyle: { color: brand },
               label: { show: true, position: "top" } }],
  });

  draw("chart-volunteers", {
    legend: { top: 0 },
    xAxis: categories(data.children.names),
    yAxis: { type: "value", name: "人", minInterval: 1 },
    series: [
      { name: "注册志愿者", type: "bar", data: data.children.volunteers, itemStyle: { color: grey } },
      { name: "活跃志愿者", type: "bar", data: data.children.active, itemStyle: { color: brand } },
    ],
  });

  draw("chart-fill", {
    legend: { top: 0 },
    xAxis: categories(data.areas.names),
    yAxis: [
      { type: "value", name: "需求", minInterval: 1 },
      { type: "value", name: "报满率 %", min: 0, max: 100, splitLine: { show: false } },
    ],
    series: [
      { name: "发布", type: "bar", data: data.areas.posted, itemStyle: { color: grey } },
      { name: "报满", type: "bar", data: data.areas.filled, itemStyle: { color: blue } },
      { name: "报满率", type: "line", yAxisIndex: 1, data: data.areas.fill_rate, connectNulls: false,
        itemStyle: { color: brand }, symbolSize: 8 },
    ],
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
