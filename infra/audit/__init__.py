"""Auditors' tools: replay, diffs, timeline exports, and the tamper-evidence checks."""
