"""The rights registry (权益登记簿, issue #19): one kernel for 用能权, 用水权, 排污权, local carbon
allowances and 碳票 sink credits, in the application database (docs/registries.md).

Rights are held as append-only blocks of serial numbers; transactions are requests with an
approver and a terminal state; every step is a hash-chained ledger row written with its
audit event in the same transaction; balances are derived from the blocks and reconciled on
every read.

- :mod:`.rights`: right types and their rules, from the rule file the profile selects;
- :mod:`.serials`: the serial format, splitting and overlap arithmetic (pure);
- :mod:`.models`: the tables (migration ``0003_registry``);
- :mod:`.chain`: the ledger's hash chain; :mod:`.clock`: time and date;
- :mod:`.access`: who may request, approve and see;
- :mod:`.accounts`: opening accounts, the jurisdiction's system accounts, freezing state;
- :mod:`.orders`: a transaction as asked, checked; :mod:`.blocks`, :mod:`.effects`: what
  each kind does to blocks; :mod:`.kernel`: request, approve, reject, cancel;
- :mod:`.balances`: reconciled balances, totals and holdings; :mod:`.verify`: every check;
- :mod:`.refusals`: the coded refusals and breaks.
"""

from qingshan.registry.access import Acting
from qingshan.registry.accounts import open_account
from qingshan.registry.balances import Balance, Holding, Total, balances, holdings, totals
from qingshan.registry.kernel import approve, cancel, pending_for, reject, request
from qingshan.registry.orders import Order
from qingshan.registry.refusals import Break, ReconciliationError, RegistryError
from qingshan.registry.rights import RightBook, RightType, load_rights, rights_for
from qingshan.registry.verify import verify

__all__ = ["Acting", "Balance", "Break", "Holding", "Order", "ReconciliationError", "RegistryError", "RightBook",
           "RightType", "Total", "approve", "balances", "cancel", "holdings", "load_rights", "open_account",
           "pending_for", "reject", "request", "rights_for", "totals", "verify"]
