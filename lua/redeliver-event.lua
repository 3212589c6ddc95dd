-- Queues an event again for the given targets (configured ones, checked by the caller), due now;
-- the event's other deliveries are not touched. Atomic so the delivery's state, its queue entry and
-- the queue's due time always agree. The attempts so far are kept. A queue whose head is under a live
-- lease keeps its score: making it due would hand that head to a second worker. LPOS needs Redis
-- 6.0.6 or later.
--
-- KEYS: 1 evt:{eventId}
-- ARGV: 1 prefix, 2 event id, 3 now ms, 4 now ISO, 5 the targets to redeliver to, comma-joined
-- Returns: 1, or 0 when there is no such event.

-- @include split-targets.lua

local prefix, id, now_ms, now_iso = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local stored = redis.call('HMGET', KEYS[1], 'pid', 'targets')
local payment_id, known = stored[1], stored[2] or ''
if not payment_id then
  return 0
end
local listed = {}
for _, target in ipairs(split_targets(known)) do
  listed[target] = true
end
for _, target in ipairs(split_targets(ARGV[5])) do
  local delivery_key = prefix .. 'dlv:' .. id .. ':' .. target
  if redis.call('EXISTS', delivery_key) == 0 then
    redis.call('HSET', delivery_key, 'attempts', '[]', 'tries', 0)
  end
  redis.call('HSET', delivery_key, 'state', 'pending', 'next', now_iso, 'queued', now_iso, 'delivered', '')
  if not listed[target] then
    listed[target] = true
    known = known == '' and target or known .. ',' .. target
  end
  redis.call('SADD', prefix .. 'obpending', id .. '|' .. target)
  local queue_key = prefix .. 'obq:' .. target .. ':' .. payment_id
  if not redis.call('LPOS', queue_key, id) then
    redis.call('RPUSH', queue_key, id)
  end
  local member = target .. '|' .. payment_id
  local lease_end = redis.call('HGET', prefix .. 'lease:' .. member, 'until')
  if lease_end and tonumber(lease_end) > tonumber(now_ms) then
    redis.call('ZADD', prefix .. 'obdue', 'NX', lease_end, member)
  else
    redis.call('ZADD', prefix .. 'obdue', now_ms, member)
  end
end
redis.call('HSET', KEYS[1], 'targets', known)
return 1
