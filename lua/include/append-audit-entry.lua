-- append_audit_entry(prefix, entry_json, limit, events, joined_targets, now_ms, now_iso): appends one
-- entry to the audit log (`audit`, scored by the next number of `audit:seq`), drops the oldest beyond
-- `limit`, stores and queues its audit.recorded event (record_events, in the audit queues) and trims
-- the audit events' listing index (`evaudit`) to the same bound, oldest first. Only the index: a
-- trimmed event and its deliveries stay readable by id, queued and redeliverable. Shared by
-- append-audit.lua and create-payment.lua (a payment created through the API is audited by the write
-- that creates it). Returns the entry's sequence number. Keys are built from the store's prefix (one
-- hash tag), as record_events builds the outbox's.

-- @include record-events.lua

local function append_audit_entry(prefix, entry_json, limit, events, joined_targets, now_ms, now_iso)
  local seq = redis.call('INCR', prefix .. 'audit:seq')
  redis.call('ZADD', prefix .. 'audit', seq, entry_json)
  redis.call('ZREMRANGEBYRANK', prefix .. 'audit', 0, -(tonumber(limit) + 1))
  record_events(prefix, false, events, joined_targets, now_ms, now_iso)
  if #events > 0 then
    redis.call('ZREMRANGEBYRANK', prefix .. 'evaudit', 0, -(tonumber(limit) + 1))
  end
  return seq
end
