select account_id, holder, region from {{ ref('raw_accounts') }}
