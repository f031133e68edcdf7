"""Errors a user can act on: each names the file and, where known, the line and column."""

from __future__ import annotations


class FlightDelaysError(Exception):
    """Base class of every error the pipeline raises on purpose."""


class RawFileError(FlightDelaysError):
    """A raw yearly file is missing, malformed or does not belong to its year."""

    def __init__(
        self, file: str, problem: str, *, line: int | None = None, column: str | None = None
    ) -> None:
        self.file = file
        self.problem = problem
        self.line = line
        self.column = column
        where = file
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {problem}")


class ConfigError(FlightDelaysError):
    """A setting is missing or malformed."""
