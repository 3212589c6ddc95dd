-- Claims the heads of due queues. Atomic so two workers never get the same head while a lease is
-- live: the first moves the queue's score past `now` before the second can read it.
--
-- KEYS: 1 obdue
-- ARGV: 1 prefix, 2 now ms, 3 limit, 4 lease ms, 5 token base (random, one per call)
-- Returns: per claim: target, event json, attempt number, queuedAt, lease token.

local prefix, now_ms = ARGV[1], ARGV[2]
local limit = tonumber(ARGV[3])
local lease_end = tonumber(now_ms) + tonumber(ARGV[4])
local result = {}
local claimed = 0
-- Claimed queues leave the due range (their score moves to the lease's end) and empty ones leave
-- the set, so asking again from the start always makes progress.
while claimed < limit do
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms, 'LIMIT', 0, limit - claimed)
  if #due == 0 then
    break
  end
  for _, member in ipairs(due) do
    local bar = string.find(member, '|', 1, true)
    local target, payment_id = string.sub(member, 1, bar - 1), string.sub(member, bar + 1)
    local head = redis.call('LINDEX', prefix .. 'obq:' .. target .. ':' .. payment_id, 0)
    if not head then
      redis.call('ZREM', KEYS[1], member)
    else
      redis.call('ZREM', prefix .. 'obretry:' .. target, member)
      claimed = claimed + 1
      local token = ARGV[5] .. '.' .. claimed
      local delivery = redis.call('HMGET', prefix .. 'dlv:' .. head .. ':' .. target, 'tries', 'queued')
      redis.call('ZADD', KEYS[1], lease_end, member)
      redis.call('HSET', prefix .. 'lease:' .. member, 'token', token, 'until', lease_end)
      table.insert(result, target)
      table.insert(result, redis.call('HGET', prefix .. 'evt:' .. head, 'json'))
      table.insert(result, tostring((tonumber(delivery[1]) or 0) + 1))
      table.insert(result, delivery[2])
      table.insert(result, token)
    end
  end
end
return result
