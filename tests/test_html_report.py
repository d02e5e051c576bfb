"""`report --format html|svg|png`: the page's structure against the JSON report (no browser), and the page in a
real headless Chromium (screenshot, no console error, every chart drawn, no network request)."""

from __future__ import annotations

import json
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from browser import BrowserError, chromium, find_chromium
from conftest import ROOT
from typer.testing import CliRunner

from csmetrics.cli import app
from csmetrics.render.html.page import KEY_METRICS
from csmetrics.render.values import format_value

SAMPLE = ROOT / "sample_data"
INPUTS = [
    str(SAMPLE / "interactions.csv"),
    "--states",
    str(SAMPLE / "agent_states.csv"),
    "--roster",
    str(SAMPLE / "roster.csv"),
    "--tz",
    "America/New_York",
]
SECTIONS = ["kpis", "service-level", "weekly", "answered-within", "groups", "data-quality", "definitions"]
CHARTS = ["service_level", "volume_heatmap", "service_level_heatmap", "answered_within"]
TARGETS = [
    "--target",
    "service_level>=0.8",
    "--target",
    "abandon_rate<=5%",
    "--target",
    "queue=billing:asa_seconds<=60",
]


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["report", *args], catch_exceptions=False)


def json_report(*args: str) -> dict[str, Any]:
    result = invoke(*INPUTS, *args, "--format", "json", "--quiet")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


class Page(HTMLParser):
    """Every element's tag and attributes in document order, the text of each tile part, and the text of
    every element with an id."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.tiles: dict[str, dict[str, str]] = {}
        self.texts: dict[str, str] = {}
        self._tile: str | None = None
        self._part: str | None = None
        self._open: list[tuple[str, str | None]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a))
        if "data-metric" in a:
            self._tile = a["data-metric"]
            self.tiles[self._tile] = dict(a)
        classes = a.get("class", "").split()
        part = next((c for c in classes if c.startswith("tile-")), None)
        if self._tile and part:
            self._part = part
        if tag not in ("br", "meta", "link", "img", "input", "rect", "path", "line", "circle"):
            self._open.append((tag, a.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            self._open.pop()
        if tag == "div":
            self._part = None

    def handle_data(self, data: str) -> None:
        if self._tile and self._part:
            tile = self.tiles[self._tile]
            tile[self._part] = tile.get(self._part, "") + data
        for _, ident in self._open:
            if ident:
                self.texts[ident] = self.texts.get(ident, "") + data

    def with_attr(self, name: str, value: str | None = None) -> list[dict[str, str]]:
        return [a for _, a in self.elements if name in a and (value is None or a[name] == value)]

    def ids(self) -> list[str]:
        return [a["id"] for _, a in self.elements if "id" in a]


@pytest.fixture(scope="module")
def sample_html(tmp_path_factory) -> Path:
    """The issue's "done when" command."""
    out = tmp_path_factory.mktemp("html") / "report.html"
    result = invoke(*INPUTS, "--by", "day,queue", "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    return out


@pytest.fixture(scope="module")
def targeted_html(tmp_path_factory) -> Path:
    """The second week, compared with the first, with targets (some missed: exit 4, the page written first)."""
    out = tmp_path_factory.mktemp("html") / "week2.html"
    period = ["--from", "2024-03-11", "--to", "2024-03-17"]
    result = invoke(*INPUTS, *period, "--by", "day,queue", *TARGETS, "--format", "html", "-o", str(out), "--quiet")
    assert result.exit_code == 4, result.stderr
    return out


def test_the_page_is_one_file_under_2_mb_that_asks_for_nothing(sample_html):
    text = sample_html.read_text(encoding="utf-8")
    assert sample_html.stat().st_size < 2 * 1024 * 1024
    page = Page(text)
    tags = {tag for tag, _ in page.elements}
    assert not tags & {"link", "img", "iframe", "object", "embed", "video", "audio", "source"}
    assert not [a for _, a in page.elements if "src" in a or "srcset" in a]
    assert not [a for tag, a in page.elements if tag == "script" and a]  # inline only, no attributes
    # the only URLs are SVG's XML namespaces, which are names, not requests
    urls = {v for _, a in page.elements for k, v in a.items() if "http:" in v or "https:" in v or k.startswith("xmlns")}
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "url(http" not in text and "@import" not in text and "@font-face" not in text
    csp = page.with_attr("http-equiv", "Content-Security-Policy")[0]["content"]
    assert csp.startswith("default-src 'none';")


def test_every_section_is_there_in_order(sample_html):
    page = Page(sample_html.read_text(encoding="utf-8"))
    ids = page.ids()
    assert [i for i in ids if i in SECTIONS] == SECTIONS
    figures = page.with_attr("data-chart")
    assert [f["data-chart"] for f in figures] == CHARTS
    svgs = [a for tag, a in page.elements if tag == "svg"]
    assert len(svgs) == len(CHARTS)
    for svg, name in zip(svgs, CHARTS, strict=True):
        assert svg["role"] == "img" and len(svg["aria-label"]) > 40  # the text alternative
        assert page.texts[f"alt-{name}"] == svg["aria-label"]
        assert float(svg["width"]) > 300 and float(svg["height"]) > 100
    # data quality and definitions are collapsed (<details> without open) but present
    details = [a for tag, a in page.elements if tag == "details" and "print-open" in a.get("class", "")]
    assert len(details) == 2 and not [d for d in details if "open" in d]


def test_the_fingerprint_is_the_json_reports(sample_html):
    document = json_report("--by", "day,queue")
    page = Page(sample_html.read_text(encoding="utf-8"))
    fingerprint = document["definitions_fingerprint"]
    assert page.with_attr("name", "csmetrics-definitions-fingerprint")[0]["content"] == fingerprint
    assert page.texts["fingerprint"] == fingerprint
    assert sample_html.read_text(encoding="utf-8").count(fingerprint) >= 3  # header, definitions, footer
    for name in document["definitions"]["parameters"]:
        assert name in page.texts["definitions"], name


def test_tiles_are_the_json_figures_of_the_whole_period(sample_html):
    document = json_report()  # no --by: the whole period
    row = document["rows"][0]
    units = {m["name"]: m["unit"] for m in document["definitions"]["metrics"]}
    page = Page(sample_html.read_text(encoding="utf-8"))
    assert list(page.tiles) == [m for m in units if m in KEY_METRICS]
    for name, tile in page.tiles.items():
        assert json.loads(tile["data-value"]) == row[name], name
        assert tile["tile-value"] == format_value(row[name], units[name]), name
        assert "data-previous" not in tile  # the sample holds no earlier fortnight
    assert "not wholly in the data" in page.texts["kpis"]


def test_group_table_rows_are_the_json_rows(sample_html):
    document = json_report("--by", "day,queue")
    page = Page(sample_html.read_text(encoding="utf-8"))
    table = page.texts["group-table"]
    assert f"{len(document['rows'])} row(s)" in page.texts["groups"]
    for row in document["rows"][:5]:
        assert row["day"] in table and f"{row['offered']:,}" in table


def test_data_quality_counts_are_the_json_ones(sample_html):
    quality = json_report()["data_quality"]
    text = Page(sample_html.read_text(encoding="utf-8")).texts["data-quality"]
    assert f"{quality['rows_read']:,} rows read" in text
    assert f"{quality['rejected']['total']:,} rejected" in text
    for reason, count in quality["rejected"]["by_reason"].items():
        assert f"{reason} {count:,}" in text
    assert f"{quality['in_progress']:,} in progress" in text


def test_change_against_the_previous_week_and_target_status(targeted_html):
    page = Page(targeted_html.read_text(encoding="utf-8"))
    now = json_report("--from", "2024-03-11", "--to", "2024-03-17")["rows"][0]
    before = json_report("--from", "2024-03-04", "--to", "2024-03-10")["rows"][0]
    for name, tile in page.tiles.items():
        assert json.loads(tile["data-value"]) == now[name], name
        assert json.loads(tile["data-previous"]) == before[name], name
    assert page.tiles["offered"]["tile-change"].strip().endswith("+131 (+4.3 %) (was 3,023)")
    # the verdicts are those of `check` on the whole period
    result = CliRunner().invoke(
        app,
        ["check", *INPUTS, "--from", "2024-03-11", "--to", "2024-03-17", "-t", "service_level>=0.8", "-t",
         "abandon_rate<=5%", "--format", "json"],
    )  # fmt: skip
    outcomes = {r["metric"]: r["outcome"] for r in json.loads(result.stdout)["results"]}
    assert outcomes == {"service_level": "missed", "abandon_rate": "missed"}
    for metric, outcome in outcomes.items():
        assert outcome in page.tiles[metric]["class"].split()
        assert page.tiles[metric]["tile-target"].endswith(f": {outcome}")
    assert "tile-target" not in page.tiles["asa_seconds"]  # its target filters on a queue: the table shows it
    # the group table colours billing's ASA cells (and every row's service level) by the target's outcome
    rows = json_report("--from", "2024-03-11", "--to", "2024-03-17", "--by", "day,queue")["rows"]
    marked = page.with_attr("data-outcome")
    expected = sum(1 for r in rows if r["queue"] == "billing") + 2 * len(rows)
    assert len(marked) == expected
    missed = sum(r["asa_seconds"] > 60 for r in rows if r["queue"] == "billing")
    missed += sum(r["service_level"] < 0.8 for r in rows) + sum(r["abandon_rate"] > 0.05 for r in rows)
    assert len(page.with_attr("data-outcome", "missed")) == missed


def test_a_report_shorter_than_a_week_says_why_it_has_no_heatmaps(tmp_path):
    out = tmp_path / "two-days.html"
    result = invoke(*INPUTS, "--from", "2024-03-11", "--to", "2024-03-12", "--format", "html", "-o", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    page = Page(out.read_text(encoding="utf-8"))
    assert [i for i in page.ids() if i in SECTIONS] == SECTIONS
    assert [f["data-chart"] for f in page.with_attr("data-chart")] == ["service_level", "answered_within"]
    assert "spans 2 day(s)" in page.texts["weekly"]
    assert "per 30 minutes" in page.texts["service-level"]
    assert "against 2024-03-09 to 2024-03-10" in page.texts["kpis"]


def test_a_period_without_contacts_says_so_on_the_page(tmp_path, sample_html):
    out = tmp_path / "after.html"
    result = invoke(*INPUTS, "--from", "2024-03-20", "--format", "html", "-o", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    quality = json_report("--from", "2024-03-20")["data_quality"]
    text = out.read_text(encoding="utf-8")
    page = Page(text)
    assert [i for i in page.ids() if i in SECTIONS] == SECTIONS
    span = quality["data_span"]
    assert page.texts["empty-period"] == (
        f"Warning: No contact falls in the period 2024-03-20 onwards: {quality['outside_period']:,} contact(s) lie "
        f"outside it (the data runs from {span['from']} to {span['to']}); the contact figures are empty."
    )
    assert "<title>Contact-centre report 2024-03-20 onwards</title>" in text and " to -" not in text
    assert "No contact falls in the period, so there are no weekday by hour-of-day heatmaps." in page.texts["weekly"]
    assert "empty-period" not in Page(sample_html.read_text(encoding="utf-8")).ids()


def test_an_input_without_valid_contacts_says_so_on_the_page(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text((SAMPLE / "interactions.csv").read_text(encoding="utf-8").splitlines()[0] + "\n")
    out = tmp_path / "empty.html"
    result = invoke(str(empty), "--tz", "America/New_York", "--format", "html", "-o", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    page = Page(out.read_text(encoding="utf-8"))
    assert page.texts["empty-period"] == "Warning: The input holds no valid contact; the contact figures are empty."
    assert "<title>Contact-centre report no contacts</title>" in out.read_text(encoding="utf-8")


def test_the_no_agent_row_is_explained_under_the_table(tmp_path):
    out = tmp_path / "agents.html"
    period = ["--from", "2024-03-11", "--to", "2024-03-12"]
    result = invoke(*INPUTS, *period, "--by", "agent", "--format", "html", "-o", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    document = json_report(*period, "--by", "agent")
    without = document["data_quality"]["without_agent"]
    assert without > 0
    page = Page(out.read_text(encoding="utf-8"))
    assert f"The (no agent) row holds the {without:,} contact(s) no agent handled" in page.texts["groups"]
    assert "(no agent)" in [r["agent"] for r in document["rows"]]
    assert '<th scope="row" class="key">(no agent)</th>' in out.read_text(encoding="utf-8")


def test_the_header_names_every_input_and_the_table_what_states_cannot_split(sample_html):
    text = sample_html.read_text(encoding="utf-8")
    for name in ("interactions.csv", "agent_states.csv", "roster.csv"):
        assert str(SAMPLE / name) in text
    not_grouped = json_report("--by", "day,queue")["data_quality"]["states"]["not_grouped"]
    assert f"Note: {not_grouped}." in Page(text).texts["groups"]


def test_one_chart_as_svg_or_png(tmp_path):
    result = invoke(*INPUTS, "--format", "svg", "--chart", "answered_within", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("<svg") and result.stdout.rstrip().endswith("</svg>")
    assert "Answered within X seconds" in result.stdout  # a standalone chart keeps its title
    out = tmp_path / "chart.png"
    result = invoke(*INPUTS, "--format", "png", "--chart", "service_level_heatmap", "-o", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 600 and height > 200


def test_unknown_chart_is_a_usage_error():
    result = invoke(*INPUTS, "--format", "png", "--chart", "pie")
    assert result.exit_code == 2
    assert "unknown chart 'pie'" in result.stderr and "answered_within" in result.stderr


@pytest.mark.parametrize("missing", ["altair", "vl_convert"])
def test_without_the_chart_libraries_html_exits_2_saying_how_to_install(monkeypatch, missing):
    monkeypatch.setitem(sys.modules, missing, None)  # import fails, as when the package is not installed
    result = invoke(*INPUTS, "--format", "html", "-o", "never.html")
    assert result.exit_code == 2
    assert "pip install 'csmetrics[html]'" in result.stderr
    assert not Path("never.html").exists()


def test_other_commands_keep_their_formats():
    result = CliRunner().invoke(app, ["fcr-windows", *INPUTS, "--format", "html"])
    assert result.exit_code == 2 and "html" in result.stderr


# -- in a real browser ---------------------------------------------------------------------------------------
CHART_PROBE = """JSON.stringify([...document.querySelectorAll('figure.chart')].map(f => {
  const svg = f.querySelector('svg'); const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  return {name: f.dataset.chart, svg: !!svg, marks: svg ? svg.querySelectorAll('path, rect, text').length : 0,
          width: box.width, height: box.height, breaks: getComputedStyle(f).breakInside};
}))"""
# A4 with the page's margins (210 - 2 x 11 mm by 297 - 26 mm) at 96 px per inch
A4_CONTENT = (round((210 - 22) / 25.4 * 96), round((297 - 26) / 25.4 * 96))


@pytest.fixture(scope="module")
def browser_path() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip(
            "no headless Chromium: install the Debian package chromium (.ci/run does) or set CSMETRICS_CHROMIUM"
        )
    return path


def open_in_browser(browser_path: str, profile: Path, url: str) -> Any:
    try:
        context = chromium(browser_path, profile)
        browser = context.__enter__()
    except (BrowserError, OSError) as e:
        pytest.skip(f"Chromium at {browser_path} does not start here: {e}")
    browser.navigate(url)
    return context, browser


def test_the_page_in_a_real_browser(sample_html, browser_path, tmp_path):
    context, browser = open_in_browser(browser_path, tmp_path / "profile", sample_html.as_uri())
    try:
        charts = json.loads(browser.evaluate(CHART_PROBE))
        shot = browser.screenshot()
        browser.send("Emulation.setEmulatedMedia", {"media": "print"})
        browser.viewport(*A4_CONTENT)
        printed = json.loads(browser.evaluate(CHART_PROBE))
        overflow = browser.evaluate("document.documentElement.scrollWidth")
        pdf = browser.print_pdf()
        browser.drain(0.3)
        errors, requests = browser.errors(), browser.requests()
    finally:
        context.__exit__(None, None, None)
    (tmp_path / "screenshot.png").write_bytes(shot)
    assert errors == []
    assert requests == [sample_html.as_uri()]  # the page itself, nothing else
    assert [c["name"] for c in charts] == CHARTS
    for chart in charts:
        assert chart["svg"] and chart["marks"] > 20, chart
        assert chart["width"] > 300 and chart["height"] > 100, chart
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 100_000
    width, height = int.from_bytes(shot[16:20], "big"), int.from_bytes(shot[20:24], "big")
    assert width == 1100 and height > 3000  # the whole page
    # printed on A4: no chart wider than the paper or taller than a page, none split across pages
    assert overflow <= A4_CONTENT[0]
    for chart in printed:
        assert chart["width"] <= A4_CONTENT[0] and chart["height"] <= A4_CONTENT[1], chart
        assert chart["breaks"] == "avoid", chart
    assert pdf[:5] == b"%PDF-"


def test_the_browser_check_sees_requests_and_errors(browser_path, tmp_path):
    """The browser test can fail: a page that asks for a picture and logs an error is caught."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="http://example.invalid/pixel.png">'
        "<script>console.error('broken chart')</script></body></html>",
        encoding="utf-8",
    )
    context, browser = open_in_browser(browser_path, tmp_path / "profile", page.as_uri())
    try:
        browser.drain(0.5)
        errors, requests = browser.errors(), browser.requests()
    finally:
        context.__exit__(None, None, None)
    assert "http://example.invalid/pixel.png" in requests
    assert any("broken chart" in e for e in errors)


def test_help_says_how_to_install_the_chart_libraries():
    result = CliRunner().invoke(app, ["report", "--help"], env={"COLUMNS": "200"})
    assert "csmetrics[html]" in result.stdout and "--chart" in result.stdout
