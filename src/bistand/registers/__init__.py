"""Outside systems as plugins: register data (``ssbtek/``) and e-ID (``eid/``).

``registry.py`` chooses a kind's plugin from the settings, ``base.py`` holds what all plugins share.
Facts fetched from registers are stored by ``models.py`` / ``services.py``.
"""
