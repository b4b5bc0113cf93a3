"""Registry data for the web tests (tests/test_web_registry.py, tests/test_web_crawl.py): a small
year of the demo city's markets made through the kernel API only (qingshan.registry), on the
test city's organisations, so the registry pages have accounts, blocks, every request state
and a statement to show.

Worked by hand (vintage 2026, serials of 459900):

- 用能权 YN (1 tce a serial): 5 000 tce issued to A (serials 1–5 000), 3 000 to B (5 001–8 000);
  A sells 1 000 to B at ¥80/tce (A keeps 1–4 000, B gets 4 001–5 000); B surrenders 2 000 for
  2026 (blocks taken in serial order, each giving its last serials: all of 4 001–5 000, then
  7 001–8 000 of 5 001–8 000, so B keeps 5 001–7 000); A asks to sell 500 to C (pending:
  3 501–4 000 reserved); B asks to sell 100 to A (6 901–7 000 reserved), rejected: held again,
  as a block of its own (B: 5 001–6 900 and 6 901–7 000).
  A: held 3 500 + reserved 500 = 4 000; B: 3 000 + 1 000 − 2 000 = 2 000; C: 0;
  issued 8 000 = held 5 500 + reserved 500 + surrendered 2 000.
- 碳票 TS (1 tCO2e): 1 200 issued to A (verified), A retires 200: held 1 000, retired 200.
- 排污权 PW-COD (0.001 t): 1.5 t issued to A (paid), A sells 0.25 t to B: A 1.25 t, B 0.25 t.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from qingshan.app import database
from qingshan.app.organisations import Unit, tree_paths
from qingshan.registry import Acting, Order, RightBook, approve, open_account, reject, request

VINTAGE = 2026


@dataclass(frozen=True)
class Seeded:
    """What :func:`seed` made: the enterprises (A, B in one park, C in another district), their
    account ids by ``"<right>:<A|B|C>"``, and the requests by name."""

    firms: dict[str, str]
    accounts: dict[str, int]
    requests: dict[str, int]


def officials(city: str) -> dict[str, Acting]:
    """Officials of the authorities (two each: four eyes), who act without a user account:
    the kernel judges the roles an :class:`Acting` carries."""
    return {"fgw-admin": Acting("seed-fgw-admin", f"{city}-fgw", f"/{city}", ("administrator",)),
            "fgw-reviewer": Acting("seed-fgw-reviewer", f"{city}-fgw", f"/{city}", ("reviewer",)),
            "city-admin": Acting("seed-city-admin", city, f"/{city}", ("administrator",)),
            "city-reviewer": Acting("seed-city-reviewer", city, f"/{city}", ("reviewer",)),
            "env-admin": Acting("seed-env-admin", f"{city}-sthjj", f"/{city}", ("administrator",)),
            "env-reviewer": Acting("seed-env-reviewer", f"{city}-sthjj", f"/{city}", ("reviewer",))}


def choose_firms(units: list[Unit]) -> dict[str, str]:
    """A and B: the first two enterprises of the first park with two; C: an enterprise of
    another district."""
    firms = sorted((u.park, u.district or "", u.code) for u in units if u.kind == "enterprise" and u.park)
    park, district = next((p, d) for p, d, _ in firms if sum(1 for q, _, _ in firms if q == p) >= 2)
    same = [c for p, _, c in firms if p == park]
    other = sorted(u.code for u in units if u.kind == "enterprise" and u.district and u.district != district)[0]
    return {"A": same[0], "B": same[1], "C": other}


def seed(url: str, units: list[Unit], book: RightBook) -> Seeded:
    """Make the registry data above (the organisations must be synced already)."""
    city = next(u.code for u in units if u.kind == "city")
    who = officials(city)
    firms = choose_firms(units)
    holder = {k: Acting(f"seed-reporter-{k.lower()}", code, tree_paths(units)[code][1], ("reporter",))
              for k, code in firms.items()}
    ids: dict[str, int] = {}
    with database.session(url) as s:
        for right, opener, keys in (("YN", "fgw-admin", "ABC"), ("TS", "city-admin", "A"),
                                    ("PW-COD", "env-admin", "AB")):
            for k in keys:
                ids[f"{right}:{k}"] = open_account(s, who[opener], book, right, firms[k]).id
    reqs: dict[str, int] = {}

    def done(name: str, asker: Acting, approver: Acting, order: Order) -> None:
        with database.session(url) as s:
            rid = request(s, asker, book, order).id
        with database.session(url) as s:
            approve(s, approver, book, rid)
        reqs[name] = rid

    fgw, fgw2 = who["fgw-admin"], who["fgw-reviewer"]
    done("yn-issue-a", fgw, fgw2, Order("issue", "YN", amount=5000, to_account=ids["YN:A"], vintage=VINTAGE,
                                        method="grandfathering", evidence=("确权意见书 2026-01",)))
    done("yn-issue-b", fgw, fgw2, Order("issue", "YN", amount=3000, to_account=ids["YN:B"], vintage=VINTAGE,
                                        method="grandfathering"))
    done("yn-sale", holder["A"], fgw2, Order("transfer", "YN", amount=1000, from_account=ids["YN:A"],
                                             to_account=ids["YN:B"], trade_form="negotiated", price="80"))
    done("yn-surrender", holder["B"], fgw2, Order("surrender", "YN", amount=2000, from_account=ids["YN:B"],
                                                  period=str(VINTAGE)))
    with database.session(url) as s:
        reqs["yn-pending"] = request(s, holder["A"], book, Order(
            "transfer", "YN", amount=500, from_account=ids["YN:A"], to_account=ids["YN:C"],
            trade_form="negotiated", price="85")).id
    with database.session(url) as s:
        reqs["yn-rejected"] = request(s, holder["B"], book, Order(
            "transfer", "YN", amount=100, from_account=ids["YN:B"], to_account=ids["YN:A"],
            trade_form="negotiated", price="75")).id
    with database.session(url) as s:
        reject(s, fgw2, book, reqs["yn-rejected"], "价格低于本市指导价")
    city_admin, city_reviewer = who["city-admin"], who["city-reviewer"]
    done("ts-issue", city_admin, city_reviewer, Order("issue", "TS", amount=1200, to_account=ids["TS:A"],
                                                      vintage=VINTAGE, method="verified",
                                                      evidence=("红树林修复项目核证报告",)))
    done("ts-retire", holder["A"], city_reviewer, Order("retire", "TS", amount=200, from_account=ids["TS:A"]))
    env, env2 = who["env-admin"], who["env-reviewer"]
    done("pw-issue", env, env2, Order("issue", "PW-COD", amount=Decimal("1.5"), to_account=ids["PW-COD:A"],
                                      vintage=VINTAGE, method="paid", price="4000"))
    done("pw-sale", holder["A"], env2, Order("transfer", "PW-COD", amount=Decimal("0.25"),
                                             from_account=ids["PW-COD:A"], to_account=ids["PW-COD:B"],
                                             trade_form="negotiated", price="4200"))
    return Seeded(firms, ids, reqs)
