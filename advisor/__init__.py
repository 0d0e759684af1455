"""政策顾问 (Policy Advisor): match a company profile against encoded support measures.

The package is pure domain code and never imports Textual; the UI lives in ``screens``.
"""

__version__ = "0.1.0"
