"""Voila with the course's landing page in place of its file browser.

Started by ``reintegra workshop`` as ``python -m reintegra.workshop.server``
with Voila's own options. The landing page lists the exercises, in the
workshop's language, with one line on each; it needs the same token as the
dashboards.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from tornado import web
from traitlets.config import Config
from voila.app import Voila
from voila.tornado.treehandler import TornadoVoilaTreeHandler

LANDING_ENV = "REINTEGRA_LANDING"
CONFIG_ENV = "REINTEGRA_VOILA_CONFIG"


class LandingHandler(TornadoVoilaTreeHandler):
    """The exercises of the workshop, instead of a listing of files."""

    @web.authenticated
    async def get(self, path=""):
        page = Path(os.environ[LANDING_ENV]).read_text(encoding="utf-8")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page.replace("{{ base_url }}", self.base_url))


class WorkshopVoila(Voila):
    name = "reintegra-workshop"

    def init_handlers(self):
        handlers = super().init_handlers()
        replaced = []
        for handler in handlers:
            if len(handler) >= 2 and handler[1] is TornadoVoilaTreeHandler:
                handler = (handler[0], LandingHandler, *handler[2:])
            replaced.append(handler)
        return replaced


def main(argv=None):
    """Start the server. ``REINTEGRA_VOILA_CONFIG`` (JSON) adds configuration that
    the command line cannot carry well, such as per-notebook kernel pools."""
    config = Config()
    extra = os.environ.get(CONFIG_ENV)
    if extra:
        for section, values in json.loads(extra).items():
            config[section] = Config(values)
    WorkshopVoila.launch_instance(argv=argv, config=config)

if __name__ == "__main__":
    main()
