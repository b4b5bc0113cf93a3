"""The one exception hierarchy of Qingshan, and the validation problem record.

Every error a user can cause derives from :class:`QingshanError`. Input problems are
collected as :class:`Problem` records (file, row, column, value, expectation) and raised
together as one :class:`ValidationError`, so a user sees every problem at once
(InVEST-style collect-all validation).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from qingshan.i18n import tr

Severity = Literal["error", "warning"]


class QingshanError(Exception):
    """Base class of every error Qingshan raises on purpose."""


class ConfigError(QingshanError):
    """A settings, profile or factor-set file is wrong or missing."""


class FactorError(QingshanError):
    """A factor that an account needs is missing or ambiguous."""


class StoreError(QingshanError):
    """The embedded store or the PostgreSQL server cannot be used."""


class BusyError(QingshanError):
    """Another accept or restore is changing the city's data (one at a time per city)."""


@dataclass(frozen=True)
class Problem:
    """One problem found in input data.

    ``row`` is the row number a person sees in the file: in a CSV or sheet whose header is
    row 1, the first data row is row 2. ``None`` where the problem is about a whole file
    or table.
    """

    code: str
    file: str
    row: int | None
    column: str | None
    value: str | None
    expected_zh: str
    expected_en: str
    severity: Severity = "error"

    @property
    def expected(self) -> str:
        return tr(self.expected_zh, self.expected_en)

    def message(self) -> str:
        """The problem as one line in the current language."""
        where = self.file
        if self.row is not None:
            where += tr(f" 第{self.row}行", f" row {self.row}")
        if self.column is not None:
            where += tr(f" 列「{self.column}」", f" column '{self.column}'")
        val = "" if self.value is None else tr(f" 值「{self.value}」", f" value '{self.value}'")
        kind = tr("错误", "error") if self.severity == "error" else tr("警告", "warning")
        return f"[{kind} {self.code}] {where}{val}: {self.expected}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["message"] = self.message()
        return d


class ValidationError(QingshanError):
    """Input data failed validation; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        n_err = sum(p.severity == "error" for p in self.problems)
        n_warn = len(self.problems) - n_err
        head = tr(
            f"输入数据未通过校验：{n_err} 个错误，{n_warn} 个警告",
            f"input data failed validation: {n_err} errors, {n_warn} warnings",
        )
        lines = [p.message() for p in self.problems[:20]]
        more = len(self.problems) - len(lines)
        if more > 0:
            lines.append(tr(f"……另有 {more} 个问题", f"... and {more} more problems"))
        super().__init__("\n".join([head, *lines]))


def raise_if_blocking(problems: Iterable[Problem], *, accept_warnings: bool = False) -> None:
    """Raise :class:`ValidationError` if any problem blocks the run.

    Errors always block. Warnings block unless ``accept_warnings`` is true, because a
    warning such as a likely unit slip would otherwise flow silently into results.
    """
    probs = list(problems)
    if blocking(probs, accept_warnings=accept_warnings):
        raise ValidationError(probs)


#: Warnings that never block: something in the package that is ignored and said so (P004:
#: an extra sheet or file; Q004: an accepted report of an enterprise the package no longer
#: has). Every other warning blocks unless warnings are accepted.
NEVER_BLOCKING = frozenset({"P004", "Q004"})


def blocking(problems: Iterable[Problem], *, accept_warnings: bool = False) -> list[Problem]:
    """The problems that stop the data being used: every error, and every warning unless
    warnings are accepted or it is one that never blocks (:data:`NEVER_BLOCKING`). The one
    judgement of uploads, imports, commands and :func:`qingshan.data.validate.load_package`."""
    return [p for p in problems
            if p.severity == "error" or not (accept_warnings or p.code in NEVER_BLOCKING)]
