"""The demo installation: the kernel's demo rows and each feature's part.

``hotline.seed`` creates the demo tenant, its flow, queue, agents, roles,
administrator and API token; the features below it cannot be imported from
the kernel, so this module, above them all, hands their parts in.  It runs
at every start (idempotent: what administrators changed is left alone).
"""

from __future__ import annotations

import logging
from typing import Final

from ari_apps.campaigns.demo import seed_demo_campaign
from ari_apps.cases.demo import DEMO_PROMPT_TEXTS as CASE_PROMPT_TEXTS
from ari_apps.cases.demo import seed_status_line
from ari_apps.customers.demo import DEMO_PROMPT_TEXTS as CUSTOMER_PROMPT_TEXTS
from ari_apps.customers.demo import seed_customer_line
from ari_apps.ivr.demo import MAIN_MENU
from ari_apps.knowledge.demo import DEMO_PROMPT_TEXTS as ANSWER_PROMPT_TEXTS
from ari_apps.knowledge.demo import seed_answers_line
from ari_apps.survey.demo import seed_demo_survey
from fax.demo import seed_demo_document
from hotline import seed
from hotline.errors import HotlineError
from hotline.models_prompts import Prompt
from hotline.settings import Settings
from hotline.tenancy import home_tenant_id
from vm.services import seed_demo_voicemail
from voice_prompts import services as prompts

FEATURES: Final[tuple[seed.FeatureDemo, ...]] = (
    seed_demo_voicemail,
    seed_demo_document,
    seed_demo_survey,
    seed_demo_campaign,
    seed_status_line,
    seed_answers_line,
    seed_customer_line,
)
# The prompts the demo's flows name and no stock sound says: name → (English, Chinese).
DEMO_PROMPT_TEXTS: Final = {**CASE_PROMPT_TEXTS, **ANSWER_PROMPT_TEXTS, **CUSTOMER_PROMPT_TEXTS}


async def seed_demo(settings: Settings) -> None:
    await seed.seed_demo(settings, MAIN_MENU, FEATURES)


log = logging.getLogger(__name__)


async def prepare_demo_audio() -> None:
    """The prompts the demo's flows name and no stock sound says (the case
    status line's, the self-service answers' menu), drafted with
    text-to-speech once, at the first start of the running Hotline
    (espeak-ng: about 0.3 s each, too slow for every seeding of a test
    database).  Recorded versions replace them on /prompts."""
    tenant_id = await home_tenant_id()
    for name, (english, chinese) in DEMO_PROMPT_TEXTS.items():
        if await Prompt.exists(name=name):
            continue
        for language, text in (("en", english), ("zh-CN", chinese)):
            try:
                await prompts.tts_draft(
                    name, "announcement", language, text, "seed", tenant_id=tenant_id
                )
            except (HotlineError, OSError, ValueError) as error:
                log.warning("demo prompt %s (%s) not drafted: %s", name, language, error)
