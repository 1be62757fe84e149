"""A knowledge article as a one-column A4 PDF, to fax or download: the
title, the category and version, the text.  The font is WenQuanYi Micro Hei
(Debian's fonts-wqy-microhei), which has the Chinese characters; it is
embedded, so the fax renderer needs no font of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT: Final = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def article_pdf(title: str, heading: str, body: str, footer: str) -> bytes:
    pdf = FPDF(format="A4")
    try:
        return _render(pdf, title, heading, body, footer)
    finally:
        # fpdf2 closes the font file only once the PDF is out; a failure half
        # way would leave it open (a ResourceWarning, a descriptor held).
        for font in pdf.fonts.values():
            close = getattr(font, "close", None)
            if close is not None:
                close()


def _render(pdf: FPDF, title: str, heading: str, body: str, footer: str) -> bytes:
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("wqy", "", str(FONT))
    pdf.add_page()
    # Each block below starts again at the left margin (new_x): fpdf2 would
    # leave the cursor at the cell's right end, and the next full-width
    # block would have no room.
    pdf.set_font("wqy", size=18)
    pdf.multi_cell(0, 10, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("wqy", size=10)
    pdf.multi_cell(0, 6, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font("wqy", size=13)
    for paragraph in body.splitlines() or [""]:
        pdf.multi_cell(0, 8, paragraph or " ", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.set_font("wqy", size=9)
    pdf.multi_cell(0, 5, footer, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
