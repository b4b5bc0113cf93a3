"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》 (issued 2015-09-17, in force
2015-10-01) gives every legal entity an 18-character code:

====== =====================================================================
Pos.   Part
====== =====================================================================
1      登记管理部门代码 registration authority (e.g. ``9`` 工商 for enterprises)
2      机构类别代码 category of entity (e.g. ``1`` 企业 under authority ``9``)
3–8    登记管理机关行政区划码 six-digit administrative division code (GB/T 2260)
9–17   主体标识码 entity identifier (the organisation code of GB 11714)
18     校验码 check character
====== =====================================================================

Characters come from the 31-character set of the standard's Table 1 (代码字符集): the
digits and the capital letters without I, O, Z, S and V, valued 0–30 in that order. The
check character is computed as in the standard's check-character clause and Table 2
(各位置序号上的加权因子)::

    W_i  = MOD(3^(i-1), 31)                  i = 1 … 17
    C_18 = 31 − MOD(Σ C_i × W_i, 31)          (a value of 31 gives the character 0)

The standard's worked example — ``91350100M000100Y4`` has the weighted sum 1640,
MOD(1640, 31) = 28, so the check value is 3 and ``91350100M000100Y4Z`` is rejected — is
reproduced at https://renrendoc.com/p-47802332.html and
https://www.yc00.com/web/1713075042a2177900.html ; ``tests/test_demo.py`` checks it.

Only the GB 32100 structure is checked here. The organisation code in positions 9–17
carries its own GB 11714 check character, which is not verified.
"""

from __future__ import annotations

#: GB 32100-2015 Table 1 代码字符集: index = character value.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

#: GB 32100-2015 Table 2 weights W_i = MOD(3^(i-1), 31) for positions 1–17.
USCC_WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))

_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}


def uscc_check_char(first17: str) -> str:
    """The check character (position 18) of the code whose first 17 characters are given.

    GB 32100-2015, check-character clause and Tables 1–2: C_18 = 31 − MOD(Σ C_i W_i, 31),
    with 31 mapped to ``0``. Raises ``ValueError`` if ``first17`` is not 17 characters of
    the standard's character set (capital letters only).
    """
    if len(first17) != 17:
        raise ValueError(f"expected 17 characters, got {len(first17)}: {first17!r}")
    try:
        total = sum(_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not in the GB 32100-2015 set") from exc
    return USCC_CHARSET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """True if ``code`` is a well-formed GB 32100-2015 code with the right check character.

    Checks: 18 characters of the standard's set (capitals; no I, O, S, V, Z), positions
    3–8 are digits (an administrative division code), and position 18 equals
    :func:`uscc_check_char` of the first 17. Surrounding white space or lower-case letters
    make the code invalid; normalise before calling if the input may contain them.
    """
    if not isinstance(code, str) or len(code) != 18:
        return False
    if any(c not in _VALUE for c in code) or not code[2:8].isdigit():
        return False
    return uscc_check_char(code[:17]) == code[17]
