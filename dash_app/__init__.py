"""The advisers' dashboard: a Dash app that reads everything from the scoring API over HTTP."""
