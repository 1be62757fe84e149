"""What Hotline renders for Asterisk from its templates, shown read-only with secrets masked."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.asterisk_config import TEMPLATE_DIR, render_template, template_values
from hotline.dialplan_check import mask_secrets
from hotline.settings import Settings

# The secrets Hotline puts into its own rendered config.
_SECRET_VALUES = ("ARI_PASSWORD", "AMI_SECRET")


@dataclass(frozen=True)
class RenderedFile:
    name: str
    text: str


def rendered_config(settings: Settings) -> list[RenderedFile]:
    """What Hotline renders for Asterisk (render_all's output), secrets masked."""
    values = template_values(settings)
    secrets = [values[key] for key in _SECRET_VALUES if values.get(key)]
    files: list[RenderedFile] = []
    for template in sorted(TEMPLATE_DIR.glob("*.conf")):
        try:
            text = render_template(template.read_text(encoding="utf-8"), values, template.name)
        except KeyError as exc:
            text = f"; {exc}"
        for secret in secrets:
            text = text.replace(secret, "********")
        files.append(RenderedFile(template.name, mask_secrets(text)))
    return files
