"""The Textual user interface of 政策顾问.

One module per screen; reusable widgets live in ``screens.widgets``. Screens
only read and write the Profile and render what the engine returns — every
business rule lives in ``advisor``.
"""
