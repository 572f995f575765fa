import pytest


@pytest.fixture(autouse=True)
def attachment_dir(settings, tmp_path):
    """Attachments of the tests go to a temporary directory."""
    settings.BISTAND_ATTACHMENT_DIR = str(tmp_path / "attachments")
    return tmp_path / "attachments"
