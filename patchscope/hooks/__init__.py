"""Plugging patchscope into the submit path: git hooks and b4.

``install`` writes the hook scripts (or b4's configuration); ``sendemail``
and ``prepush`` are what those scripts run.
"""
