-- Fails when a payment exceeds DBT_SHOP_MAX_PAYMENT (default 1000): set it to 100 to see a failed check.
select payment_id, amount
from {{ ref('stg_payments') }}
where amount > {{ env_var('DBT_SHOP_MAX_PAYMENT', '1000') }}
