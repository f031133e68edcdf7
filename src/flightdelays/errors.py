"""Errors a user can act on: each names what failed and where, and says how the command exits.

- `RawFileError`, `ConfigError` (exit status 2): bad input or a bad setting; a retry gives the
  same result.
- `OutsideError` (exit status 3): S3 or the database failed or refused, after the step's own
  retries; worth retrying later (Airflow does).
- `CheckError` (exit status 4): the year's outputs disagree with each other.
"""

from __future__ import annotations


class FlightDelaysError(Exception):
    """Base class of every error the pipeline raises on purpose."""

    exit_status = 2


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

    def __reduce__(self) -> tuple[object, ...]:
        """Rebuilt whole when it crosses a process boundary (a step run in a child process)."""
        return (_raw_file_error, (self.file, self.problem, self.line, self.column))


def _raw_file_error(file: str, problem: str, line: int | None, column: str | None) -> RawFileError:
    return RawFileError(file, problem, line=line, column=column)


class ConfigError(FlightDelaysError):
    """A setting is missing or malformed."""


class OutsideError(FlightDelaysError):
    """An outside system (object store, database) failed or refused, after retries."""

    exit_status = 3


class CheckError(FlightDelaysError):
    """A year's table, aggregate and charts disagree."""

    exit_status = 4
