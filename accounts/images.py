"""The business logo's bytes: decoded with Pillow to prove they are an image, then re-encoded small.

Re-encoding (never storing what was sent) drops metadata such as a photo's GPS position, turns a
file that is also something else into a plain image, and keeps the public page light.
"""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

LOGO_MAX_BYTES = 500 * 1024
# Formats a browser shows everywhere and that carry no script (SVG can).
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
# A small file can still decode to a huge bitmap (a "decompression bomb"): refuse before decoding.
LOGO_MAX_PIXELS = 6000 * 6000
# Shown at about 96 CSS pixels; twice that is sharp on a phone's dense screen.
LOGO_STORED_SIZE = 256
LOGO_STORED_FORMAT, LOGO_STORED_CONTENT_TYPE = "WEBP", "image/webp"


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    content_type: str


def logo_encode(data: bytes) -> EncodedImage:
    """Check that `data` is a PNG, JPEG or WebP within the limits, and return it re-encoded as a small WebP."""
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is too large (%(size)d KB). Send an image of at most %(max)d KB.")
            % {"size": (len(data) + 1023) // 1024, "max": LOGO_MAX_BYTES // 1024}
        )
    try:
        with Image.open(io.BytesIO(data), formats=list(LOGO_FORMATS)) as image:
            if image.width * image.height > LOGO_MAX_PIXELS:
                raise ValidationError(_("The logo's dimensions are too large. Send a smaller image."))
            image.load()  # decodes every pixel: a truncated or fake file fails here
            image = ImageOps.exif_transpose(image)
            image.thumbnail((LOGO_STORED_SIZE, LOGO_STORED_SIZE))
            image = image.convert("RGBA" if _has_transparency(image) else "RGB")
            out = io.BytesIO()
            image.save(out, format=LOGO_STORED_FORMAT, quality=90, method=4)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("This file is not a PNG, JPEG or WebP image we can read.")) from exc
    return EncodedImage(data=out.getvalue(), content_type=LOGO_STORED_CONTENT_TYPE)


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
