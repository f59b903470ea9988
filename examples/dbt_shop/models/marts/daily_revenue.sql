select
    o.ordered_on,
    count(*) as orders,
    sum(p.amount) as amount
from {{ ref('stg_orders') }} as o
join {{ ref('stg_payments') }} as p on p.order_id = o.order_id
where o.status <> 'returned'
group by o.ordered_on
