"""Where attachments are stored: a dedicated directory outside the web root
(``BISTAND_ATTACHMENT_DIR``, default ``<BISTAND_DATA_DIR>/attachments``), never under STATIC_ROOT or
MEDIA_ROOT and without any URL: files are only ever sent by the views that check who is asking."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class AttachmentStorage(FileSystemStorage):
    """A FileSystemStorage whose location follows the setting (read when used) and that has no URL."""

    def __init__(self) -> None:
        super().__init__(location=None, base_url=None, file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self):  # type: ignore[override]
        return str(settings.BISTAND_ATTACHMENT_DIR)

    @property
    def location(self):  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def url(self, name):  # noqa: ARG002
        raise ValueError("Bilagor har ingen webbadress; de skickas bara av vyer som kontrollerar behörigheten.")


_storage = AttachmentStorage()


def attachment_storage() -> AttachmentStorage:
    """The storage of attachments (a callable, so that migrations do not record a path)."""
    return _storage
