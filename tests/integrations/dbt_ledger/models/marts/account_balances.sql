select a.account_id, a.holder, a.region, coalesce(sum(t.amount), 0) as balance
from {{ ref('stg_accounts') }} as a
left join {{ ref('stg_transactions') }} as t using (account_id)
group by a.account_id, a.holder, a.region
