"""SSBTEK: incomes and benefits from the agencies, per person and month (see :mod:`.base`). The
registry imports every module of this package, so each plugin registers itself."""
