select b.region, r.account_id, r.score
from {{ source('app', 'risk_scores') }} as r
join {{ ref('account_balances') }} as b using (account_id)
