"""Errors raised by the rules package."""

from __future__ import annotations


class CalculationInputError(Exception):
    """The input cannot be calculated: it does not follow calculation.schema.json, names a member that
    does not exist, has a dwelling_size smaller than the household, or asks for a year without riksnorm.

    `field` is a JSON path into the input (`household.children[1].age`, `incomes[0].member`; an empty
    string means the document as a whole), `message` a plain Swedish sentence, and `index` the 0-based
    position of the household in a batch (None for a single calculation).
    """

    def __init__(self, field: str, message: str, index: int | None = None) -> None:
        self.field = field
        self.message = message
        self.index = index
        super().__init__(field, message, index)

    def with_index(self, index: int) -> CalculationInputError:
        """The same error, for the household at `index` (0-based) in a batch."""
        return CalculationInputError(self.field, self.message, index)

    def __str__(self) -> str:
        where = f"Hushåll {self.index + 1}: " if self.index is not None else ""
        if self.field:
            return f"{where}Fel i fältet {self.field}: {self.message}"
        return f"{where}{self.message}"

    def __repr__(self) -> str:
        return f"CalculationInputError(field={self.field!r}, message={self.message!r}, index={self.index!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CalculationInputError):
            return NotImplemented
        return (self.field, self.message, self.index) == (other.field, other.message, other.index)

    def __hash__(self) -> int:
        return hash((self.field, self.message, self.index))


class ParameterFileError(Exception):
    """A parameter file is missing a required part or is inconsistent (a fault in the files, not in the
    input)."""
