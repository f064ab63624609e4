"""Screenshots of the risk board over the demo, for the docs.

    python -m bench.board_screenshots [--out docs]

Runs ``wagerflow demo --board`` in a temporary home, logs a trader in, suspends one line from
the page, and saves ``board.png`` (the page) and ``board-event.png`` (an event's sheet) with a
real headless Chromium (tests/browser.py).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import chrome
from wagerflow.devenv.process import free_port

TOKEN = "screenshot-token-0001"  # noqa: S105 a throwaway demo token


def _wait_up(url: str, proc: subprocess.Popen[str], timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            msg = f"the demo exited: {proc.stderr.read() if proc.stderr else ''}"
            raise SystemExit(msg)
        try:
            urllib.request.urlopen(url + "healthz", timeout=2).close()  # noqa: S310 loopback
            return
        except OSError:
            time.sleep(1)
    raise SystemExit("the board did not come up")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "WAGERFLOW_"))}
        # a relative home, so no machine path shows in the pictures
        env.update(WAGERFLOW_HOME=".wagerflow", WAGERFLOW_BOARD_TOKEN=TOKEN)
        proc = subprocess.Popen(
            [sys.executable, "-m", "wagerflow.cli", "demo", "--board", "--port", str(port)],
            env=env,
            cwd=home,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        driver = None
        try:
            _wait_up(url, proc)
            driver = chrome(1500, 1500)
            wait = WebDriverWait(driver, 10)
            driver.get(url + "login")
            driver.find_element(By.ID, "trader-name").send_keys("Dana")
            driver.find_element(By.ID, "token").send_keys(TOKEN)
            driver.find_element(By.ID, "login-submit").click()
            wait.until(lambda d: d.find_element(By.ID, "live").text.startswith("live"))
            driver.find_element(By.CSS_SELECTOR, "#s-liabilities button.cmd").click()
            wait.until(lambda d: "MANUAL" in d.find_element(By.ID, "s-suspensions").text)
            driver.find_element(By.ID, "history-load").click()
            wait.until(lambda d: "GGR" in d.find_element(By.ID, "history").text)
            args.out.mkdir(parents=True, exist_ok=True)
            height = driver.execute_script("return document.body.scrollHeight")
            driver.set_window_size(1500, min(int(height) + 40, 3000))
            driver.execute_script("window.scrollTo(0, 0)")
            driver.save_screenshot(str(args.out / "board.png"))
            driver.find_element(By.CSS_SELECTOR, "#s-liabilities a.event").click()
            wait.until(lambda d: "worst case" in d.find_element(By.ID, "event-sheet").text)
            driver.find_element(By.CSS_SELECTOR, "#event-sheet a.players").click()
            wait.until(lambda d: "players on" in d.find_element(By.ID, "player-sheet").text)
            sheet = driver.find_element(By.ID, "detail")
            driver.execute_script("arguments[0].scrollIntoView()", sheet)
            sheet.screenshot(str(args.out / "board-event.png"))
            print(f"wrote {args.out / 'board.png'} and {args.out / 'board-event.png'}")
        finally:
            if driver is not None:
                driver.quit()
            proc.send_signal(signal.SIGINT)
            proc.wait(30)


if __name__ == "__main__":
    main()
