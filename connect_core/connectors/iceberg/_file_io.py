"""The sink's FileIO: pyiceberg's ``PyArrowFileIO`` with S3 filesystems that open an object only when it is
written (Arrow's ``allow_delayed_open``): a small object is one PutObject at close, where an object opened at once
starts a multipart upload at open (a request) and finishes it at close (more). A batch's staged rows and a
commit's data files, manifests and metadata are small, so each is one request; larger ones still go in parts.
``config.FILE_IO`` names it as every catalog's ``py-io-impl``."""

from __future__ import annotations

from typing import Any

from pyiceberg.io.pyarrow import PyArrowFileIO

__all__ = ["DelayedOpenFileIO"]


class DelayedOpenFileIO(PyArrowFileIO):
    """``PyArrowFileIO`` whose S3 filesystems have ``allow_delayed_open`` on; every other scheme as pyiceberg's."""

    def _initialize_s3_fs(self, netloc: str | None) -> Any:
        """pyiceberg's S3 filesystem of these properties, made again with the same options and delayed opens."""
        fs = super()._initialize_s3_fs(netloc)
        rebuild, (options,) = fs.__reduce__()  # the options it was made with, as pickling gives them
        if options.get("allow_delayed_open"):
            return fs
        return rebuild({**options, "allow_delayed_open": True})
