select transaction_id, account_id, cast(amount as decimal(10, 2)) as amount, cast(booked_on as date) as booked_on
from {{ ref('raw_transactions') }}
