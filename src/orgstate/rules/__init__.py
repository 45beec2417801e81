"""The rule catalogue of SPEC section 4 (`catalogue`), one module per family.

`check.check_static` runs the static families. This package's own import stays light:
everything that emits a diagnostic imports `catalogue.RuleId`, the loader included.
"""
