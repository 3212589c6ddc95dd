-- Claims payments whose ask to the bank is due (a pending attempt or refund, see index_payment).
-- Atomic so two instances reconciling at the same moment ask about different payments: the first
-- moves each claimed id's score past its back-off before the second can read it. A `rec` score is
-- when the next ask is due less the first wait (on entry: when the payment began to await the bank),
-- so the commit that adds a payment needs no setting; `recn` counts each payment's asks. The wait
-- after an ask doubles the one before (the first: twice first_ms), at most max_ms. Ids whose payment
-- is gone are dropped on the way.
--
-- KEYS: 1 rec, 2 recn
-- ARGV: 1 prefix, 2 now ms, 3 limit, 4 first wait ms (RECONCILE_AFTER), 5 longest wait ms
-- Returns: {next due ms or '', then per claimed payment: earlier asks, next ask ms, payment json}.

local prefix = ARGV[1]
local now_ms, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local first_ms, max_ms = tonumber(ARGV[4]), tonumber(ARGV[5])
local result = {''}
local claimed = 0
while claimed < limit do
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now_ms - first_ms), 'LIMIT', 0, limit - claimed)
  if #due == 0 then
    break
  end
  for _, id in ipairs(due) do
    local json = redis.call('HGET', prefix .. 'p:' .. id, 'json')
    if json then
      local asks = tonumber(redis.call('HGET', KEYS[2], id) or '0')
      local wait = math.min(max_ms, first_ms * 2 ^ math.min(asks + 1, 31))
      local next_ask = now_ms + wait
      redis.call('ZADD', KEYS[1], string.format('%.0f', next_ask - first_ms), id)
      redis.call('HSET', KEYS[2], id, asks + 1)
      table.insert(result, tostring(asks))
      table.insert(result, string.format('%.0f', next_ask))
      table.insert(result, json)
      claimed = claimed + 1
    else
      redis.call('ZREM', KEYS[1], id)
      redis.call('HDEL', KEYS[2], id)
    end
  end
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then
  result[1] = string.format('%.0f', tonumber(first[2]) + first_ms)
end
return result
