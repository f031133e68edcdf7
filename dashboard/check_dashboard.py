"""Open the dashboard in headless Chromium as a user would and report what every chart shows.

Run with `.venv-superset/bin/python dashboard/check_dashboard.py --url URL --out report.json`
(admin password from SUPERSET_ADMIN_PASSWORD, else `.data/superset/admin_password`). It logs in
through the login form, opens the dashboard, waits until every chart has answered and drawn, saves
a full-page screenshot, and writes a JSON report: one entry per chart with its title, the HTTP
status, row counts, errors and per-column totals of its /api/v1/chart/data answers, and what was
drawn (canvas, table rows with the first rows' cells, big number). Exit code 0 when every chart
drew data, 1 otherwise.

Uses Debian's Chromium (/usr/bin/chromium) through Playwright; it never downloads a browser.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOLDER = ".dashboard-component-chart-holder"
ERROR_TEXTS = ("Unexpected error", "Error:", "No results were returned", "No data")

# Runs in the page: what each chart holder shows right now.
_INSPECT_JS = """
(selector) => Array.from(document.querySelectorAll(selector)).map((h) => ({
  title: (h.querySelector('[data-test="editable-title"]') || {}).innerText || '',
  loading: h.querySelectorAll('.loading, [aria-label="Loading"], [role="progressbar"]').length,
  alerts: Array.from(h.querySelectorAll('[role="alert"], .ant-alert, [data-test="alert"]'))
    .map((a) => a.innerText.trim()).filter((t) => t.length > 0),
  canvases: h.querySelectorAll('canvas').length,
  table_rows: h.querySelectorAll('tbody tr').length,
  big_numbers: h.querySelectorAll('.header-line').length,
  text: h.innerText.slice(0, 400),
  headers: Array.from(h.querySelectorAll('thead th')).map((th) => th.innerText.trim()),
  cells: Array.from(h.querySelectorAll('tbody tr')).slice(0, 20)
    .map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.innerText.trim())),
}))
"""


@dataclass
class ChartReport:
    """What one chart of the dashboard showed."""

    title: str
    slice_id: int | None = None
    statuses: list[int] = field(default_factory=list)
    rowcounts: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    canvases: int = 0
    table_rows: int = 0
    big_numbers: int = 0
    text: str = ""
    totals: dict[str, float] = field(default_factory=dict)
    """Sum of each numeric column of the first answer's rows (a chart's series, say)."""
    headers: list[str] = field(default_factory=list)
    cells: list[list[str]] = field(default_factory=list)
    """A table's column headers and its first rows' cells, as shown."""

    @property
    def drew_data(self) -> bool:
        answered = bool(self.statuses) and all(s == 200 for s in self.statuses)
        has_rows = bool(self.rowcounts) and self.rowcounts[0] > 0
        drawn = self.canvases > 0 or self.table_rows > 0 or self.big_numbers > 0
        empty = any(marker in self.text for marker in ERROR_TEXTS)
        return answered and has_rows and drawn and not self.errors and not self.alerts and not empty


def column_totals(rows: Any) -> dict[str, float]:
    """The sum of each numeric column of an answer's `data` (a list of records)."""
    totals: dict[str, float] = {}
    for row in rows if isinstance(rows, list) else []:
        for name, value in row.items() if isinstance(row, dict) else []:
            if isinstance(value, int | float) and not isinstance(value, bool):
                totals[name] = totals.get(name, 0.0) + float(value)
    return totals


def admin_password() -> str:
    if value := os.environ.get("SUPERSET_ADMIN_PASSWORD"):
        return value
    home = os.environ.get("FLIGHTDELAYS_SUPERSET_HOME")
    base = Path(home) if home else Path(__file__).resolve().parents[1] / ".data" / "superset"
    return (base / "admin_password").read_text(encoding="utf-8").strip()


def check(
    url: str,
    login: tuple[str, str],
    screenshot: Path,
    *,
    dashboard: str = "flight-delays",
    timeout: float = 120,
) -> list[ChartReport]:
    """Log in as `login` (user, password), open the dashboard, wait for every chart, screenshot
    it, report each chart."""
    user, password = login
    from playwright.sync_api import Response, sync_playwright

    answers: dict[int, dict[str, list[Any]]] = {}

    def on_response(response: Response) -> None:
        if "/api/v1/chart/data" not in response.url or response.request.method != "POST":
            return
        try:
            form_data = (response.request.post_data_json or {}).get("form_data", {})
            body = response.json()
        except (ValueError, TypeError):
            form_data, body = {}, {}
        slice_id = form_data.get("slice_id")
        if slice_id is None:  # a native filter asking for its values
            return
        entry = answers.setdefault(
            int(slice_id), {"statuses": [], "rowcounts": [], "errors": [], "totals": []}
        )
        entry["statuses"].append(response.status)
        for result in body.get("result", []) if isinstance(body, dict) else []:
            entry["rowcounts"].append(int(result.get("rowcount") or 0))
            entry["totals"].append(column_totals(result.get("data")))
            if result.get("error"):
                entry["errors"].append(str(result["error"]))
        if isinstance(body, dict) and body.get("message"):
            entry["errors"].append(str(body["message"]))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1800})
            page.set_default_timeout(timeout * 1000)
            page.on("response", on_response)
            page.goto(f"{url}/login/")
            page.fill("#username", user)
            page.fill("#password", password)
            page.click("button[type=submit]")
            page.wait_for_url(lambda u: "/login" not in u)
            page.goto(f"{url}/superset/dashboard/{dashboard}/")
            page.wait_for_selector(HOLDER)
            states = wait_until_drawn(page, len(answers_expected(page)), answers, timeout)
            page.wait_for_timeout(1500)  # let the ECharts animations finish before the picture
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
            ids = answers_expected(page)
        finally:
            browser.close()

    reports = []
    for slice_id, state in zip(ids, states, strict=False):
        report = ChartReport(
            title=state["title"],
            slice_id=slice_id,
            alerts=state["alerts"],
            canvases=state["canvases"],
            table_rows=state["table_rows"],
            big_numbers=state["big_numbers"],
            text=state["text"],
            headers=state["headers"],
            cells=state["cells"],
        )
        got = answers.get(slice_id) if slice_id is not None else None
        if got:
            report.statuses, report.rowcounts, report.errors = (
                got["statuses"],
                got["rowcounts"],
                got["errors"],
            )
            report.totals = got["totals"][0] if got["totals"] else {}
        reports.append(report)
    return reports


def answers_expected(page: Any) -> list[int | None]:
    """The slice id of every chart holder, in page order (from its anchor's chart id)."""
    ids: list[int | None] = page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector)).map((h) => {
             const el = h.querySelector('[data-test-chart-id]');
             return el ? parseInt(el.getAttribute('data-test-chart-id'), 10) : null;
           })""",
        HOLDER,
    )
    return ids


def _finished(state: dict[str, Any]) -> bool:
    """Whether a chart holder shows its final state: something drawn, an alert or no data."""
    drawn = state["canvases"] or state["table_rows"] or state["big_numbers"]
    return bool(drawn or state["alerts"] or any(m in state["text"] for m in ERROR_TEXTS))


def wait_until_drawn(
    page: Any, expected: int, answers: dict[int, Any], timeout: float
) -> list[dict[str, Any]]:
    """Poll until every chart has an answer and nothing is loading; the holders' last state."""
    deadline = time.monotonic() + timeout
    states: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        states = page.evaluate(_INSPECT_JS, HOLDER)
        settled = all(s["loading"] == 0 and _finished(s) for s in states)
        if states and settled and len(answers) >= expected:
            return states
        page.wait_for_timeout(500)
    return states


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the dashboard in headless Chromium.")
    parser.add_argument("--url", default="http://127.0.0.1:8088")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--dashboard", default="flight-delays", help="slug or id")
    parser.add_argument("--screenshot", type=Path, default=Path("docs/img/dashboard.png"))
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args(argv)
    reports = check(
        args.url,
        (args.user, admin_password()),
        args.screenshot,
        dashboard=args.dashboard,
        timeout=args.timeout,
    )
    payload = [{**asdict(r), "drew_data": r.drew_data} for r in reports]
    text = json.dumps(payload, indent=2)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    for report in reports:
        mark = "ok " if report.drew_data else "BAD"
        print(f"{mark} {report.title!r}: rows {report.rowcounts} errors {report.errors}")
    return 0 if reports and all(r.drew_data for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
