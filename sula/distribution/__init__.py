"""The vocabulary: names, filenames, index URLs, distributions."""

from __future__ import annotations

from sula.distribution.filename import (
    SDIST_EXTENSIONS,
    DistFilename,
    FilenameError,
    SdistFilename,
    WheelFilename,
    parse_dist_filename,
)
from sula.distribution.index import IndexUrl, NoDefaultIndexError, default_index_url, redact_url
from sula.distribution.names import NormalizedName, canonicalize_name

__all__ = [
    "SDIST_EXTENSIONS",
    "DistFilename",
    "FilenameError",
    "IndexUrl",
    "NoDefaultIndexError",
    "NormalizedName",
    "SdistFilename",
    "WheelFilename",
    "canonicalize_name",
    "default_index_url",
    "parse_dist_filename",
    "redact_url",
]
