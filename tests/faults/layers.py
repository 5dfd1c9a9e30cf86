"""A layer that stalls the first time it runs, so a test can kill the worker in the middle of it."""

import os
import time
from pathlib import Path

from fraud.layers.ela import ErrorLevelLayer


class StallOnceLayer(ErrorLevelLayer):
    """The real ELA layer, except that its first run announces itself and then hangs."""

    def run(self, ctx):
        marker = Path(os.environ["FAULT_MARKER_DIR"]) / "ela-stalled"
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            time.sleep(25)  # under the task's soft limit: only the test's SIGKILL ends this run
        return super().run(ctx)
