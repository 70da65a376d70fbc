"""The generated reference in a real browser: headless Chromium over the DevTools protocol.

Chromium opens the generated page from a ``file://`` URL; the tests check that it loads
nothing but the page itself, logs no console error, that every internal link lands on an
element of the rendered DOM, that a term IRI's fragment scrolls to its entry, that the
diagram's texts fit their boxes with the fonts the browser really uses, and they take a
screenshot of the first screen (kept in the test's temporary directory; set
``COOPGRAPH_SCREENSHOT`` to a file name to keep a copy).

Locally the tests skip when no Chromium is installed; in CI (``CI=true``) they fail.
The DevTools client below is the standard library only (a minimal RFC 6455 websocket).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from coopgraph.docs import PAGE, SiteReport, build_site

pytestmark = pytest.mark.browser

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WIDTH, HEIGHT = 1280, 900
TIMEOUT = 60.0


def _chromium() -> str:
    configured = os.environ.get("COOPGRAPH_CHROMIUM")
    found = configured or next((p for b in BROWSERS if (p := shutil.which(b))), None)
    if found:
        return found
    message = f"no Chromium found (looked for {', '.join(BROWSERS)}; or set COOPGRAPH_CHROMIUM)"
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"{message}: the browser tests must run in CI")
    pytest.skip(message)


# ----------------------------------------------------------------------------- websocket


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: masked text frames out, frames in."""

    def __init__(self, port: int, path: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools closed the connection during the handshake")
            response += chunk
        head, self.buffer = response.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"websocket handshake refused: {head[:200]!r}")

    def send(self, text: str) -> None:
        self._frame(0x1, text.encode())

    def _frame(self, opcode: int, payload: bytes) -> None:
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(max(65536, count - len(self.buffer)))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def receive(self) -> str:
        message = b""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._read(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._read(8))
            mask = self._read(4) if second & 0x80 else b""
            payload = self._read(length)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            opcode = first & 0x0F
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the websocket")
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode in (0x0, 0x1):
                message += payload
                if first & 0x80:
                    return message.decode()

    def close(self) -> None:
        self.sock.close()


# ----------------------------------------------------------------------------- DevTools


class DevTools:
    """Commands to one page (a flattened target session); events are kept in order."""

    def __init__(self, socket_: WebSocket) -> None:
        self.ws = socket_
        self.last_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.last_id += 1
        message: dict[str, Any] = {"id": self.last_id, "method": method, "params": params}
        if self.session is not None and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.receive())
            if reply.get("id") == self.last_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        seen = len(self.events)
        while time.monotonic() < deadline:
            for event in self.events[seen:]:
                if event.get("method") == method:
                    return event
            seen = len(self.events)
            self.events.append(json.loads(self.ws.receive()))
        raise TimeoutError(f"no {method} within {TIMEOUT} s")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> None:
        """Load a URL in full (never a same-document navigation) and wait for its load event."""
        self.call("Page.navigate", url="about:blank")
        self.wait_for("Page.loadEventFired")
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")


@dataclass
class Browser:
    tools: DevTools
    site: SiteReport
    url: str


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    executable = _chromium()
    site = build_site(tmp_path_factory.mktemp("site"))
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(
        [
            executable, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            f"--user-data-dir={profile}", "--remote-debugging-port=0",
            f"--window-size={WIDTH},{HEIGHT}", "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        port, path = _devtools_address(profile / "DevToolsActivePort", process)
        ws = WebSocket(port, path)
        tools = DevTools(ws)
        target = tools.call("Target.createTarget", url="about:blank")["targetId"]
        tools.session = tools.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            tools.call(f"{domain}.enable")
        tools.call(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False,
        )  # fmt: skip
        yield Browser(tools, site, (site.output_dir / PAGE).resolve().as_uri())
        tools.call("Browser.close")
        ws.close()
    finally:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _devtools_address(port_file: Path, process: subprocess.Popen[bytes]) -> tuple[int, str]:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Chromium exited with status {process.returncode} before DevTools opened")
        if port_file.is_file():
            lines = port_file.read_text().splitlines()
            if len(lines) >= 2:
                return int(lines[0]), lines[1]
        time.sleep(0.1)
    pytest.fail(f"Chromium opened no DevTools port within {TIMEOUT} s")


# ----------------------------------------------------------------------------- tests


def test_page_loads_only_itself_and_logs_no_error(browser: Browser) -> None:
    tools = browser.tools
    tools.open(browser.url)
    requested = [
        e["params"]["request"]["url"]
        for e in tools.events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert requested == [browser.url]
    exceptions = [e for e in tools.events if e.get("method") == "Runtime.exceptionThrown"]
    console_errors = [
        e["params"]
        for e in tools.events
        if e.get("method") == "Runtime.consoleAPICalled"
        and e["params"]["type"] in ("error", "assert", "warning")
    ]
    log_errors = [
        e["params"]["entry"]
        for e in tools.events
        if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"
    ]
    assert (exceptions, console_errors, log_errors) == ([], [], [])
    assert tools.evaluate("document.scripts.length") == 0


def test_every_internal_link_lands_on_an_element_of_the_rendered_page(browser: Browser) -> None:
    tools = browser.tools
    tools.open(browser.url)
    links = tools.evaluate(
        "Array.from(document.querySelectorAll('a[href]'), a => a.getAttribute('href'))"
    )
    ids = set(tools.evaluate("Array.from(document.querySelectorAll('[id]'), e => e.id)"))
    fragments = {link[1:] for link in links if link.startswith("#")}
    assert fragments - ids == set()
    assert len(fragments) > 300  # every term, shape, query and section is linked
    terms = tools.evaluate("document.querySelectorAll('article.term').length")
    assert terms == sum(browser.site.terms.values())
    files = {link for link in links if ":" not in link and not link.startswith("#")}
    assert {f for f in files if not (browser.site.output_dir / f).is_file()} == set()


def test_a_term_iri_fragment_opens_its_entry(browser: Browser) -> None:
    tools = browser.tools
    tools.open(f"{browser.url}#TerroristDesignation")
    target, scrolled, top = tools.evaluate(
        "[document.querySelector(':target').id, window.scrollY,"
        " document.getElementById('TerroristDesignation').getBoundingClientRect().top]"
    )
    assert target == "TerroristDesignation"
    assert scrolled > HEIGHT
    assert 0 <= top <= 40  # the entry is at the top of the window (scroll padding: 1rem)
    text = tools.evaluate("document.getElementById('TerroristDesignation').innerText")
    assert "indicates situation value partner under a terrorist designation" in text


def test_diagram_texts_fit_their_boxes_in_the_browser_fonts(browser: Browser) -> None:
    tools = browser.tools
    tools.open(browser.url)
    overflowing = tools.evaluate(
        """Array.from(document.querySelectorAll('svg.diagram .dg-node')).flatMap(node => {
             const box = node.querySelector('rect').getBBox();
             return Array.from(node.querySelectorAll('text'))
               .filter(t => t.getComputedTextLength() > box.width - 4)
               .map(t => t.textContent);
           })"""
    )
    assert overflowing == []
    count = tools.evaluate("document.querySelectorAll('svg.diagram .dg-node').length")
    assert count == tools.evaluate("document.querySelectorAll('svg.diagram rect.dg-box').length")
    font = tools.evaluate(
        "getComputedStyle(document.querySelector('svg.diagram .dg-name')).fontSize"
    )
    assert font == "14px"  # shown at its natural size (the figure scrolls), never shrunk


def test_first_screen_screenshot(browser: Browser, tmp_path: Path) -> None:
    from PIL import Image

    tools = browser.tools
    tools.open(browser.url)
    shot = tools.call("Page.captureScreenshot", format="png")
    path = tmp_path / "first-screen.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    if keep := os.environ.get("COOPGRAPH_SCREENSHOT"):
        shutil.copyfile(path, keep)
    print(f"screenshot of the first screen: {path}")
    image = Image.open(path).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    assert image.getpixel((40, HEIGHT - 20)) == (244, 247, 251)  # the contents column
    assert image.getpixel((700, 8)) == (255, 255, 255)  # the page
    title = image.crop((330, 20, 1200, 110)).convert("L")  # the ontology's title, in dark ink
    dark = sum(title.histogram()[:80])
    assert dark > 2000
    h1_bottom, metadata_top = tools.evaluate(
        "[document.querySelector('h1').getBoundingClientRect().bottom,"
        " document.querySelector('dl.metadata').getBoundingClientRect().top]"
    )
    assert h1_bottom < metadata_top < HEIGHT  # title and metadata are on the first screen
