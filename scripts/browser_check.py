"""Run ``python -m jupyterlab.browser_check`` with Debian's chromium.

JupyterLab's browser check installs the npm ``playwright`` package and then runs
``npx playwright install chromium``, which downloads a browser build — impossible on a
machine that only reaches package registries. Playwright skips that download when a
browser folder with an ``INSTALLATION_COMPLETE`` marker already exists, so this script
points ``PLAYWRIGHT_BROWSERS_PATH`` at a folder whose chromium entries are links to the
system chromium, then runs the unmodified check against the installed JupyterLab.

    python scripts/browser_check.py        (with the environment's python)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyterlab.commands import get_app_dir

# browsers.json name -> (folder prefix, executable path inside the folder) on linux-x64
SHIMS = {
    "chromium": ("chromium", ("chrome-linux64", "chrome")),
    "chromium-headless-shell": (
        "chromium_headless_shell",
        ("chrome-headless-shell-linux64", "chrome-headless-shell"),
    ),
}


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("error: chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    target = Path(get_app_dir()) / "browser_test"
    target.mkdir(parents=True, exist_ok=True)
    if not (target / "node_modules" / "playwright-core").exists():
        subprocess.run(["npm", "init", "-y"], cwd=target, check=True, capture_output=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "playwright@^1.9.2"],
            cwd=target,
            check=True,
        )
    browsers = json.loads(
        (target / "node_modules" / "playwright-core" / "browsers.json").read_text()
    )["browsers"]
    cache = target / "browsers"
    for browser in browsers:
        if browser["name"] == "ffmpeg":
            # Only used to record videos, which the check does not do: mark it installed.
            folder = cache / f"ffmpeg-{browser['revision']}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "INSTALLATION_COMPLETE").touch()
            continue
        if browser["name"] not in SHIMS:
            continue
        prefix, exe_parts = SHIMS[browser["name"]]
        folder = cache / f"{prefix}-{browser['revision']}"
        exe = folder.joinpath(*exe_parts)
        exe.parent.mkdir(parents=True, exist_ok=True)
        if exe.is_symlink() or exe.exists():
            exe.unlink()
        exe.symlink_to(chromium)
        for marker in ("INSTALLATION_COMPLETE", "DEPENDENCIES_VALIDATED"):
            (folder / marker).touch()
    # Keep the check's ML Studio store out of the user's ~/.mlstudio.
    home = tempfile.mkdtemp(prefix="mlstudio-browser-check-")
    env = {**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(cache), "MLSTUDIO_HOME": home}
    env.pop("MLSTUDIO_STORE_URI", None)
    args = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    command = [sys.executable, "-m", "jupyterlab.browser_check", *args]
    return subprocess.run(command, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
