select region, count(*) as accounts, sum(balance) as balance
from {{ ref('account_balances') }}
group by region
