// Charts of the report pages, drawn with the vendored ECharts (static/vendor/echarts).
//
// Markup (no inline script runs: the data is JSON the page embeds or an URL it names):
//
//   <div class="chart" data-chart="map" data-source="#by-province"
//        data-map-url="/static/vendor/echarts-map/china.json"></div>
//   <script type="application/json" id="by-province">{...}</script>
//
//   data-chart   "map" (China by province), "bar" or "line" (e.g. a monthly trend).
//   data-source  "#id" of a <script type="application/json"> on the page, or a
//                same-origin URL answering that JSON.
//   data-map-url where the province map is (map charts only); the default is
//                /static/vendor/echarts-map/china.json. Give it
//                url_for('static', filename='vendor/echarts-map/china.json'): that
//                URL carries ?v=<hash> and is cached for good.
//
// The element needs a size from the stylesheet (the CSP allows no style="..."),
// e.g. .chart { height: 420px; }. ECharts sizes its canvas to it and follows resizes.
//
// Data:
//   map        {"title": "Learners", "name": "Learners",
//               "items": [{"code": "51", "value": 120, "label": "Sichuan"}]}
//              code = the 2-digit province code (Hospital.province_code); the map's
//              regions are GB/T 2260 codes, code + "0000". "label" (optional) is the
//              name shown on hover and in the tooltip (e.g. in English); the default
//              is the map's Chinese short name (四川).
//   bar, line  {"title": "Learners by month", "categories": ["2026-01", "2026-02"],
//               "series": [{"name": "Learners", "values": [10, 12]}]}
//
// Events: a click on a province of a map dispatches, from the chart's element (it
// bubbles), CustomEvent("chart:province", {detail: {code: "51", name: "四川", value: 120}}).
//
// State: the element gets data-chart-state="drawn" once drawn, "error" when its data
// or map could not be loaded (the page's table of the same figures stays the text
// alternative; ECharts' aria option also labels the chart).
//
// API: window.LmsCharts = {draw(element) -> Promise<chart>, drawAll(root)}.
// Every ".chart[data-chart]" of the page is drawn when the page loads.
(function () {
  "use strict";

  var MAP_URL = "/static/vendor/echarts-map/china.json";
  var maps = {}; // url -> Promise of {codeOf: {name: code}, nameOf: {code: name}}

  function loadJson(source) {
    if (!source) return Promise.reject(new Error("no data-source"));
    if (source.charAt(0) === "#") {
      return new Promise(function (resolve) {
        var node = document.getElementById(source.slice(1));
        if (!node) throw new Error("no element " + source);
        resolve(JSON.parse(node.textContent)); // a SyntaxError rejects, as a missing node
      });
    }
    return fetch(source, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(source + ": HTTP " + r.status);
      return r.json();
    });
  }

  function loadMap(url) {
    if (!maps[url]) {
      maps[url] = loadJson(url).then(function (geo) {
        var codeOf = {};
        var nameOf = {};
        geo.features.forEach(function (f) {
          var code = String(f.id || f.properties.id).slice(0, 2);
          codeOf[f.properties.name] = code;
          nameOf[code] = f.properties.name;
        });
        // The name 'china' makes ECharts add the South China Sea inset and Diaoyu Island.
        echarts.registerMap("china", geo);
        return { codeOf: codeOf, nameOf: nameOf };
      });
      maps[url].catch(function () { delete maps[url]; });
    }
    return maps[url];
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function number(value) {
    return value == null || value === "" ? "–" : Number(value).toLocaleString();
  }

  function base(data) {
    return {
      aria: { enabled: true },
      title: { text: data.title || "", show: false },
      animation: false,
    };
  }

  function mapOption(data, map) {
    var items = (data.items || []).filter(function (item) {
      return map.nameOf[String(item.code)];
    });
    var byName = {}; // the map's region name -> the item (its own keys stay out of ECharts' data)
    items.forEach(function (item) { byName[map.nameOf[String(item.code)]] = item; });
    var max = items.reduce(function (m, item) { return Math.max(m, Number(item.value) || 0); }, 0);
    var option = base(data);
    option.tooltip = {
      trigger: "item",
      // Plain text only: the default's colour markers are <span style=...>, which the CSP blocks.
      formatter: function (p) {
        var item = byName[p.name];
        var label = item && item.label ? item.label : p.name;
        return escapeHtml(label) + ": " + escapeHtml(number(item ? item.value : null));
      },
    };
    var top = data.max != null ? Number(data.max) : Math.max(max, 1);
    option.visualMap = {
      min: 0,
      max: top,
      text: [number(top), "0"],
      calculable: false,
      textStyle: { color: "#333" },
      left: "left",
      bottom: 10,
      inRange: { color: ["#e0f3f8", "#4575b4", "#08306b"] },
    };
    option.series = [{
      type: "map",
      map: "china",
      name: data.name || data.title || "",
      roam: false,
      selectedMode: false,
      itemStyle: { areaColor: "#f2f2f2", borderColor: "#999" },
      emphasis: {
        label: {
          show: true,
          formatter: function (p) {
            var item = byName[p.name];
            return item && item.label ? item.label : p.name;
          },
        },
        itemStyle: { areaColor: "#fdae61" },
      },
      data: items.map(function (item) {
        return { name: map.nameOf[String(item.code)], value: item.value };
      }),
    }];
    return option;
  }

  function cartesianOption(type, data) {
    var series = data.series || [];
    var option = base(data);
    option.tooltip = {
      trigger: "axis",
      formatter: function (params) {
        return params.map(function (p, i) {
          var head = i === 0 ? escapeHtml(p.axisValueLabel) + "<br>" : "";
          return head + escapeHtml(p.seriesName) + ": " + escapeHtml(number(p.value));
        }).join("<br>");
      },
    };
    option.legend = { show: series.length > 1, top: 0 };
    option.grid = { left: 8, right: 16, top: series.length > 1 ? 32 : 16, bottom: 8, containLabel: true };
    option.xAxis = { type: "category", data: data.categories || [] };
    option.yAxis = { type: "value", minInterval: 1 };
    option.series = series.map(function (s) {
      return { type: type, name: s.name || "", data: s.values || [] };
    });
    return option;
  }

  function init(element) {
    var old = echarts.getInstanceByDom(element);
    if (old) old.dispose();
    var lang = (document.documentElement.lang || "").toLowerCase();
    var chart = echarts.init(element, null, { locale: lang.indexOf("zh") === 0 ? "ZH" : "EN" });
    if (window.ResizeObserver) {
      new ResizeObserver(function () { chart.resize(); }).observe(element);
    }
    return chart;
  }

  function draw(element) {
    var kind = element.dataset.chart;
    var data = loadJson(element.dataset.source || "");
    var drawn;
    data.catch(function () {}); // reported below, once
    if (!window.echarts) {
      drawn = Promise.reject(new Error("echarts.min.js is not loaded"));
    } else if (kind === "map") {
      drawn = Promise.all([data, loadMap(element.dataset.mapUrl || MAP_URL)]).then(function (got) {
        var chart = init(element);
        var map = got[1];
        chart.setOption(mapOption(got[0], map));
        chart.on("click", function (p) {
          var code = map.codeOf[p.name];
          if (p.seriesType !== "map" || !code) return;
          element.dispatchEvent(new CustomEvent("chart:province", {
            bubbles: true,
            detail: { code: code, name: p.name, value: p.data ? p.data.value : null },
          }));
        });
        return chart;
      });
    } else if (kind === "bar" || kind === "line") {
      drawn = data.then(function (d) {
        var chart = init(element);
        chart.setOption(cartesianOption(kind, d));
        return chart;
      });
    } else {
      drawn = Promise.reject(new Error("unknown data-chart " + kind));
    }
    return drawn.then(
      function (chart) {
        element.dataset.chartState = "drawn";
        return chart;
      },
      function (error) {
        element.dataset.chartState = "error";
        if (window.console) console.error("chart: " + error.message);
        throw error;
      }
    );
  }

  function drawAll(root) {
    var nodes = (root || document).querySelectorAll(".chart[data-chart]");
    return Promise.all(Array.prototype.map.call(nodes, function (node) {
      return draw(node).catch(function () { return null; });
    }));
  }

  window.LmsCharts = { draw: draw, drawAll: drawAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
})();
