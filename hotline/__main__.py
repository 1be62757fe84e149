"""The Hotline process: database, ARI apps, FastAGI and the web server."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal

import uvicorn
import uvloop

from admin_ui.app import create_app
from agi_scripts.handlers import HANDLERS
from agi_scripts.server import FastAgiServer
from ari_apps import demo_data
from ari_apps.app import CallCenter
from hotline.bus import EventBus
from hotline.cases.escalation import CaseClock
from hotline.center import ContactCenter
from hotline.db import close_db, init_db
from hotline.knowledge import index as knowledge_index
from hotline.private_files import make_var_private
from hotline.settings import Settings, load_settings
from hotline.webhooks.services import WebhookDispatcher
from voice_prompts.knowledge_answers import AnswerVoicer

log = logging.getLogger("hotline")


async def serve(settings: Settings) -> None:
    await init_db(settings.database_url)
    await demo_data.seed_demo(settings)
    make_var_private(settings.var_dir)
    # jieba's dictionary (about a second): loaded before the first search,
    # and before the collector freezes what lives for the whole process.
    await asyncio.to_thread(knowledge_index.warm_up)
    _tune_garbage_collector()
    bus = EventBus()
    center = CallCenter(settings, bus)
    agi = FastAgiServer(HANDLERS, host=settings.agi_host, port=settings.agi_port)
    web = uvicorn.Server(web_config(settings, center))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    reloads: set[asyncio.Task[None]] = set()

    def reload() -> None:
        task = asyncio.create_task(center.reload_config())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    # `kill -HUP $HOTLINE_PID` applies queue/agent changes without dropping calls.
    loop.add_signal_handler(signal.SIGHUP, reload)

    await agi.start()
    await center.start()
    # Call events to business systems (hotline/webhooks): resumes the
    # deliveries a previous run left pending.
    webhooks = WebhookDispatcher(bus)
    await webhooks.start()
    # Overdue cases escalate, follow-up reminders fall due (hotline/cases).
    case_clock = CaseClock(bus, settings)
    case_clock.start()
    # Spoken answers of published knowledge articles (the IVR's faq node).
    answers = AnswerVoicer()
    answers.start()
    # The demo's text-to-speech prompts (about 10 s at a first start): drafted
    # beside the running Hotline, not before it answers /healthz.
    demo_audio = asyncio.create_task(demo_data.prepare_demo_audio(), name="demo-audio")
    web_task = asyncio.create_task(web.serve(), name="web")
    log.info("hotline started: web %s, ARI %s", settings.web_url, settings.ari_url)
    stop_task = asyncio.create_task(stop.wait(), name="stop")
    try:
        await asyncio.wait({web_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        web.should_exit = True
        await center.stop()
        await webhooks.stop()
        await case_clock.stop()
        await answers.stop()
        demo_audio.cancel()
        await asyncio.gather(demo_audio, return_exceptions=True)
        await agi.stop()
        await asyncio.gather(web_task, return_exceptions=True)
        stop_task.cancel()
        await close_db()


def web_config(settings: Settings, center: ContactCenter) -> uvicorn.Config:
    app = create_app(
        center,
        session_secret=settings.session_secret,
        https_only=settings.web_https,
        settings=settings,
    )
    return uvicorn.Config(
        app,
        host=settings.web_host,
        port=settings.web_port,
        log_level="warning",
        lifespan="off",
        # uvicorn believes X-Forwarded-For from 127.0.0.1 by default and
        # rewrites the client address before the app sees it: any local
        # process, or a proxy passing the header through, could pick its IP
        # (allow-lists, the login throttle, the audit log).  The app reads
        # the header itself, only from HOTLINE_TRUSTED_PROXIES.
        proxy_headers=False,
    )


def _tune_garbage_collector() -> None:
    """Keep collector pauses off the call path.

    Everything loaded at start (modules, config, seed) lives for the whole
    process: freezing it keeps every later collection from re-scanning it.
    A higher first threshold makes young collections rarer; per-call objects
    are short-lived and mostly freed by reference counting anyway.  Measured
    with ``make bench``, where collector pauses showed up as late answers.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # The format names neither source line, thread nor process: skip
    # gathering them for every record (the logging HOWTO's "Optimization"
    # knobs).  Walking the stack for the caller was most of the cost of the
    # two lines each queue call logs.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    # uvloop's event loop does the websocket reads and the REST round trips
    # to ARI (dozens per call) for less CPU than asyncio's pure-Python loop;
    # measured with `make bench`, where Hotline's CPU sets its latency.
    uvloop.run(serve(load_settings()))


if __name__ == "__main__":
    main()
