-- append_audit_entry(prefix, entry_json, limit, events, joined_targets, now_ms, now_iso): appends one
-- entry to the audit log (`audit`, scored by the next number of `audit:seq`), drops the oldest beyond
-- `limit`, stores and queues its audit.recorded event (record_events, in the audit queues) and trims
-- the audit events' listing index (`evaudit`) to the same bound, oldest first. Only the index: a
-- trimmed event and its deliveries stay readable by id, queued and redeliverable. Shared by
-- append-audit.lua, create-payment.lua and commit-payment.lua (an operation that changes a payment
-- is audited by the write that changes it). Returns the entry's sequence number. Keys are built from the store's prefix (one
-- hash tag), as record_events builds the outbox's.

-- read_audit_args(first_arg): the audit arguments a payment script is given from ARGV[first_arg]:
-- the entry's JSON ('' when none), the log's bound, then its events as the payment's are given
-- (count, two per event, targets, now ms, now ISO). Returns them as a table whose `next` is the first
-- ARGV index after them, or an error reply; read before the script's first write, like read_events.
-- append_audit_args(prefix, audit) appends the entry so read, if there is one.

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

local function read_audit_args(first_arg)
  local count = tonumber(ARGV[first_arg + 2])
  local events = read_events(first_arg + 3, count)
  if events.err then
    return events
  end
  local outbox_arg = first_arg + 3 + 2 * count
  return {
    entry = ARGV[first_arg], limit = ARGV[first_arg + 1], events = events,
    targets = ARGV[outbox_arg], now_ms = ARGV[outbox_arg + 1], now_iso = ARGV[outbox_arg + 2],
    next = outbox_arg + 3,
  }
end

local function append_audit_args(prefix, audit)
  if audit.entry ~= '' then
    append_audit_entry(prefix, audit.entry, audit.limit, audit.events, audit.targets, audit.now_ms, audit.now_iso)
  end
end
