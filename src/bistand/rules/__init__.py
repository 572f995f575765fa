"""The law as code: försörjningsstöd for one household and one month (pure Python, no Django).

    from bistand.rules import calculate, decode_input, load_parameters
    result = calculate(decode_input(json_bytes))
    result.to_dict()        # exactly the fields of calculation-result.md
    result.metadata()       # engine version and parameter hash (not part of the contract)
"""

ENGINE_VERSION = "1.0.0"

from bistand.rules.calculate import CalculationResult, TraceLine, calculate  # noqa: E402
from bistand.rules.errors import CalculationInputError, ParameterFileError  # noqa: E402
from bistand.rules.model import (  # noqa: E402
    CalculationInput,
    convert_input,
    decode_input,
    parse_input,
    validate_input,
)
from bistand.rules.parameters import (  # noqa: E402
    ParameterSet,
    ParameterValue,
    check_year_document,
    legal_references,
    load_parameters,
    parameter_hash,
    set_documents_provider,
)

__all__ = [
    "ENGINE_VERSION",
    "CalculationInput",
    "CalculationResult",
    "CalculationInputError",
    "ParameterFileError",
    "ParameterSet",
    "ParameterValue",
    "TraceLine",
    "calculate",
    "check_year_document",
    "convert_input",
    "decode_input",
    "legal_references",
    "load_parameters",
    "parameter_hash",
    "parse_input",
    "set_documents_provider",
    "validate_input",
]
