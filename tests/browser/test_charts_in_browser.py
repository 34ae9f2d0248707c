"""The vendored ECharts build and China map, drawn by static/js/charts.js in Chromium
under the app's Content-Security-Policy.

The page is not one of the app's: Playwright answers its URL (on the live server's
origin, with the app's CSP header) with a small document that loads the real static
files from the live server, so no test-only route exists in the app.
"""

import json

import pytest

from lms.headers import CONTENT_SECURITY_POLICY

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile);
});
"""

# Sichuan, Yunnan, Guangdong, Beijing (the 2-digit Hospital.province_code).
BY_PROVINCE = {
    "title": "Learners by province",
    "name": "Learners",
    "items": [
        {"code": "51", "value": 1200, "label": "Sichuan"},
        {"code": "53", "value": 300},
        {"code": "44", "value": 650},
        {"code": "11", "value": 90},
        {"code": "99", "value": 5},  # no such province: left out, not an error
    ],
}
BY_MONTH = {
    "title": "Learners by month",
    "categories": ["2026-09", "2026-10", "2026-11"],
    "series": [
        {"name": "Learners", "values": [10, 25, 18]},
        {"name": "Completions", "values": [2, 9, 12]},
    ],
}

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>charts</title>
<link rel="stylesheet" href="/__charts-test.css">
<script src="/static/vendor/echarts/echarts.min.js"></script>
<script src="/static/js/charts.js" defer></script>
</head><body>
<div id="map" class="chart" data-chart="map" data-source="#by-province"></div>
<div id="bars" class="chart" data-chart="bar" data-source="#by-month"></div>
<div id="lines" class="chart" data-chart="line" data-source="#by-month"></div>
<div id="broken" class="chart" data-chart="line" data-source="#missing"></div>
<div id="garbled" class="chart" data-chart="bar" data-source="#not-json"></div>
<script type="application/json" id="not-json">{"categories": [</script>
<script type="application/json" id="by-province">BY_PROVINCE</script>
<script type="application/json" id="by-month">BY_MONTH</script>
</body></html>
""".replace("BY_PROVINCE", json.dumps(BY_PROVINCE)).replace(
    "BY_MONTH", json.dumps(BY_MONTH)
)
CSS = ".chart { width: 900px; height: 600px; } #bars, #lines { height: 260px; }"


@pytest.fixture
def charts_page(new_page, live_server):
    page = new_page()
    messages = []
    page.on("console", lambda m: messages.append(m.type + ": " + m.text))
    page.on("pageerror", lambda e: messages.append("pageerror: " + str(e)))
    encodings = {}
    page.on(
        "response",
        lambda r: encodings.setdefault(
            r.url.rsplit("/", 1)[-1], r.headers.get("content-encoding")
        ),
    )
    page.add_init_script(RECORD_VIOLATIONS)
    page.route(
        f"{live_server}/__charts-test",
        lambda route: route.fulfill(
            body=PAGE,
            headers={
                "Content-Type": "text/html; charset=utf-8",
                "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            },
        ),
    )
    page.route(
        f"{live_server}/__charts-test.css",
        lambda route: route.fulfill(body=CSS, content_type="text/css"),
    )
    response = page.goto("/__charts-test")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Functions, not expressions: Playwright evaluates a bare expression with eval,
    # which the CSP refuses.
    page.wait_for_function(
        "() => ['map', 'bars', 'lines', 'broken', 'garbled'].every("
        "id => document.getElementById(id).dataset.chartState)"
    )
    page.messages = messages
    # The library and the map travel gzipped (lms/transport.py), a third of their size.
    assert encodings["echarts.min.js"] == encodings["china.json"] == "gzip"
    return page


def violations(page):
    return page.evaluate("window.__csp") + [
        m for m in page.messages if "Content Security Policy" in m
    ]


def test_the_map_draws_provinces_by_their_codes_and_a_click_names_the_province(
    charts_page, screenshot
):
    page = charts_page
    assert page.evaluate("typeof echarts.registerMap") == "function"
    assert page.get_attribute("#map", "data-chart-state") == "drawn"
    assert page.locator("#map canvas").count() >= 1
    series = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('map')).getOption().series[0]"
    )
    assert series["type"] == "map"
    # ECharts lists every region; those without a figure have no value.
    assert {(d["name"], d["value"]) for d in series["data"] if "value" in d} == {
        ("四川", 1200),
        ("云南", 300),
        ("广东", 650),
        ("北京", 90),
    }
    # The map's 34 provinces, plus the South China Sea inset ECharts adds to a map
    # named 'china'.
    regions = [d["name"] for d in series["data"]]
    assert len(regions) == 35
    assert {"台湾", "香港", "澳门", "南海诸岛"} <= set(regions)

    # A real click in the middle of Sichuan (its centre, as the chart places it).
    page.evaluate(
        "window.__provinces = [];"
        "document.addEventListener('chart:province', e => __provinces.push(e.detail))"
    )
    x, y = page.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.getElementById('map'));
          return chart.convertToPixel({seriesIndex: 0}, [102.9, 30.4]);
        }"""
    )
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    tooltip = page.locator("#map div", has_text="Sichuan: 1,200")
    tooltip.wait_for()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_function("() => window.__provinces.length > 0")
    assert page.evaluate("window.__provinces") == [
        {"code": "51", "name": "四川", "value": 1200}
    ]

    # The chart describes itself to assistive technology (ECharts' aria option).
    label = page.get_attribute("#map", "aria-label")
    assert label and "Learners by province" in label
    path = screenshot(page, "charts-map-bars-lines")
    assert path.stat().st_size > 10_000
    assert violations(page) == []
    errors = [m for m in page.messages if m.startswith(("error", "pageerror"))]
    assert set(errors) == {
        "error: chart: no element #missing",
        "error: chart: Unexpected end of JSON input",  # Chromium's SyntaxError
    }


def test_bars_and_lines_draw_the_monthly_series(charts_page):
    page = charts_page
    for element_id, kind in (("bars", "bar"), ("lines", "line")):
        assert page.get_attribute(f"#{element_id}", "data-chart-state") == "drawn"
        option = page.evaluate(
            f"echarts.getInstanceByDom(document.getElementById('{element_id}'))"
            ".getOption()"
        )
        assert option["xAxis"][0]["data"] == BY_MONTH["categories"]
        assert [(s["type"], s["name"], s["data"]) for s in option["series"]] == [
            (kind, "Learners", [10, 25, 18]),
            (kind, "Completions", [2, 9, 12]),
        ]
    # The axis tooltip, in plain text too.
    page.locator("#bars").scroll_into_view_if_needed()
    box = page.locator("#bars").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.6)
    page.locator("#bars div", has_text="Completions: 9").wait_for()
    # A source that is missing or not JSON is an error the page can see; nothing
    # drawn, and the other charts drawn all the same.
    for element_id in ("broken", "garbled"):
        assert page.get_attribute(f"#{element_id}", "data-chart-state") == "error"
        assert page.locator(f"#{element_id} canvas").count() == 0
    assert violations(page) == []


def test_echarts_default_tooltip_is_what_the_csp_would_block(charts_page):
    """Why charts.js writes its own tooltips: the default one's colour markers are
    <span style=...> set through innerHTML, which style-src 'self' refuses (its
    container is styled through the CSSOM, which the CSP allows)."""
    page = charts_page
    page.evaluate(
        """() => {
          const chart = echarts.init(document.getElementById('broken'));
          chart.setOption({
            animation: false, tooltip: {trigger: 'axis'},
            xAxis: {type: 'category', data: ['a', 'b']}, yAxis: {},
            series: [{type: 'bar', data: [3, 5]}],
          });
        }"""
    )
    page.locator("#broken").scroll_into_view_if_needed()
    box = page.locator("#broken").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
    page.wait_for_function("() => window.__csp.length > 0")
    assert {v.split(" ")[0] for v in page.evaluate("window.__csp")} == {
        "style-src-attr"
    }
