-- A check of the warehouse, not of one model: no scratch tables are left behind.
select table_schema, table_name
from information_schema.tables
where table_name like 'scratch_%'
