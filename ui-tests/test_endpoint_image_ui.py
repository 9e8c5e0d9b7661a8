"""The endpoint test form's Image input (issue 22): the JumpStart digits-classifier is
deployed in one click (REST, in the set-up); in its endpoint view the user chooses Image,
picks a PNG of a handwritten 3 (the file chooser), sees its preview and sends it: the
answer is the digit 3 with its probability. A JPEG of a 0 dropped on the form replaces
it and is read as 0; a text file is refused with a message before anything is sent;
JSON comes back with the example. Light and dark screenshots."""

from __future__ import annotations

import base64
import contextlib
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Lab, start_lab, stop_lab
from pages import (
    kill_endpoint_processes,
    mlstudio_errors,
    open_lab,
    screenshot_themes,
    show_left,
    visible_view,
)
from playwright.sync_api import Locator, Page, expect

ENTRY = "digits-classifier"
ENDPOINT = "digits-classifier"
SERVING_TIMEOUT = 120_000


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A server of its own (it deploys), with the pre-built digits model deployed."""
    server, proc = start_lab(tmp_path_factory.mktemp("endpoint-image-lab"), "endpoint-image")
    try:
        deployed = server.api("POST", f"catalog/{ENTRY}/deploy", {})
        assert deployed["endpoint_name"] == ENDPOINT, deployed
        _wait(server)
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.api("DELETE", f"endpoints/{ENDPOINT}")
        stop_lab(proc)
        kill_endpoint_processes(server)


def _wait(lab: Lab) -> dict[str, Any]:
    deadline = time.monotonic() + SERVING_TIMEOUT / 1000
    while True:
        endpoint: dict[str, Any] = lab.api("GET", f"endpoints/{ENDPOINT}")
        if endpoint["status"] == "InService":
            return endpoint
        assert endpoint["status"] != "Failed", endpoint
        assert time.monotonic() < deadline, endpoint
        time.sleep(0.5)


def _digit_image(digit: int, fmt: str, size: int) -> bytes:
    """A held-out load_digits scan of ``digit`` drawn large: dark ink on white paper."""
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    _, X_test, _, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    pixels = X_test[int(np.flatnonzero(y_test == digit)[0])]
    cells = (pixels.reshape(8, 8) / 16.0 * 255).astype(np.uint8)
    inner = size * 3 // 4
    ink = Image.fromarray(255 - cells).resize((inner, inner), Image.Resampling.BILINEAR)
    page = Image.new("L", (size, size), 255)
    page.paste(ink, ((size - inner) // 2, (size - inner) // 2))
    buffer = io.BytesIO()
    page.convert("RGB").save(buffer, format=fmt)
    return buffer.getvalue()


def _open_endpoint(page: Page) -> Locator:
    panel = show_left(page, "mlstudio-endpoints", ".jp-MLStudio-endpointsSidebar")
    panel.locator(f'[data-testid="mls-endpoint-item"][data-endpoint="{ENDPOINT}"]').click()
    view = visible_view(page, "mls-endpoint-view")
    status = view.locator('.jp-MLStudio-pageHeader [data-testid="mls-endpoint-status"]')
    expect(status).to_have_attribute("data-status", "InService", timeout=SERVING_TIMEOUT)
    return view


def _drop(zone: Locator, name: str, mime: str, data: bytes) -> None:
    """Drop a file from the desktop onto ``zone`` (a DataTransfer holding it)."""
    zone.evaluate(
        """(zone, [name, mime, b64]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: mime }));
            for (const type of ['dragenter', 'dragover', 'drop']) {
                zone.dispatchEvent(new DragEvent(type, {
                    bubbles: true, cancelable: true, dataTransfer: transfer
                }));
            }
        }""",
        [name, mime, base64.b64encode(data).decode()],
    )


def test_send_an_image_from_the_test_form(
    page: Page, lab: Lab, tmp_path: Path, console_errors: list[str]
) -> None:
    three = tmp_path / "three.png"
    three.write_bytes(_digit_image(3, "PNG", 140))
    open_lab(page, lab)
    view = _open_endpoint(page)
    test = view.locator('[data-testid="mls-test-body"]')
    test.scroll_into_view_if_needed()
    expect(test).to_contain_text('"instances"')  # the model's pixel-row example

    # Image: a picker instead of the text body; Send waits for a file
    view.locator('[data-testid="mls-test-content-type"]').select_option("image")
    image = view.locator('[data-testid="mls-test-image"]')
    expect(image).to_be_visible()
    expect(test).to_have_count(0)
    send = view.locator('[data-testid="mls-test-send"]')
    expect(send).to_be_disabled()

    # a file that is not an image is refused before anything is sent
    (tmp_path / "notes.txt").write_text("not a digit")
    image.locator('[data-testid="mls-test-image-input"]').set_input_files(tmp_path / "notes.txt")
    expect(image.locator('[data-testid="mls-test-image-error"]')).to_contain_text(
        "notes.txt is not an image"
    )
    expect(send).to_be_disabled()

    # pick the PNG: its preview, name and type; send it as image/png
    image.locator('[data-testid="mls-test-image-input"]').set_input_files(three)
    expect(image.locator('[data-testid="mls-test-image-error"]')).to_have_count(0)
    expect(image.locator('[data-testid="mls-test-image-preview"]')).to_be_visible()
    expect(image.locator('[data-testid="mls-test-image-name"]')).to_contain_text("three.png")
    expect(image.locator('[data-testid="mls-test-image-name"]')).to_contain_text("image/png")
    send.click()
    result = view.locator('[data-testid="mls-test-result"]')
    expect(result.locator('[data-testid="mls-test-status"]')).to_have_text(
        "HTTP 200", timeout=60_000
    )
    expect(result.locator('[data-testid="mls-test-predictions"]')).to_have_text("[3]")
    expect(result.locator('[data-testid="mls-test-probability"]')).to_contain_text(
        "Most likely 3 with probability"
    )
    result.scroll_into_view_if_needed()
    screenshot_themes(page, "endpoint-test-image")

    # a JPEG of a 0 dropped from the desktop replaces it
    _drop(image, "zero.jpg", "image/jpeg", _digit_image(0, "JPEG", 96))
    expect(image.locator('[data-testid="mls-test-image-name"]')).to_contain_text("zero.jpg")
    expect(image.locator('[data-testid="mls-test-image-name"]')).to_contain_text("image/jpeg")
    send.click()
    expect(result.locator('[data-testid="mls-test-predictions"]')).to_have_text(
        "[0]", timeout=60_000
    )

    # back to JSON: the text body and the example, sent as before
    view.locator('[data-testid="mls-test-content-type"]').select_option("json")
    expect(image).to_have_count(0)
    expect(test).to_contain_text('"instances"')
    send.click()
    expect(result.locator('[data-testid="mls-test-status"]')).to_have_text("HTTP 200")
    expect(result.locator('[data-testid="mls-test-predictions"]')).not_to_have_text("[0]")
    assert not mlstudio_errors(console_errors)
