"""The demo installation: the kernel's demo rows and each feature's part.

``hotline.seed`` creates the demo tenant, its flow, queue, agents, roles,
administrator and API token; the features below it cannot be imported from
the kernel, so this module, above them all, hands their parts in.  It runs
at every start (idempotent: what administrators changed is left alone).
"""

from __future__ import annotations

from typing import Final

from ari_apps.campaigns.demo import seed_demo_campaign
from ari_apps.ivr.demo import MAIN_MENU
from ari_apps.survey.demo import seed_demo_survey
from fax.demo import seed_demo_document
from hotline import seed
from hotline.settings import Settings
from vm.services import seed_demo_voicemail

FEATURES: Final[tuple[seed.FeatureDemo, ...]] = (
    seed_demo_voicemail,
    seed_demo_document,
    seed_demo_survey,
    seed_demo_campaign,
)


async def seed_demo(settings: Settings) -> None:
    await seed.seed_demo(settings, MAIN_MENU, FEATURES)
