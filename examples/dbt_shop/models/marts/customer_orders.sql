-- One row per customer: their orders and what they paid.
select
    c.customer_id,
    c.name,
    c.country,
    count(distinct o.order_id) as orders,
    coalesce(sum(p.amount), 0) as amount
from {{ source('shop', 'customers') }} as c
left join {{ ref('stg_orders') }} as o on o.customer_id = c.customer_id
left join {{ ref('stg_payments') }} as p on p.order_id = o.order_id
group by c.customer_id, c.name, c.country
