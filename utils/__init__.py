"""Helpers shared by the course chapters.

Each concern lives in its own module (``utils.data``, ``utils.device``, ``utils.plotting``,
``utils.seeding``, ``utils.training``). Importing ``utils`` itself loads nothing heavy and
changes no global state: import the module you need.
"""

__version__ = "0.1.0"
