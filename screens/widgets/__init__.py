"""Reusable widgets of the questionnaire: question editors, the section list,
the live panel and the list-item editor."""
