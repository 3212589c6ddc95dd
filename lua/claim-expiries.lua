-- Claims open payments due for expiry, and authorized ones whose captureBefore has passed. Atomic so two instances sweeping at the same moment take
-- different payments: the first moves each claimed id's score to the end of its lease before the
-- second can read it (the `exp` score is the due time and, while claimed, the lease). The expiry is
-- then committed like any other change, whose index_payment drops the id from `exp` (or, for a
-- payment still open, puts its score back to expiresAt). Ids whose payment is gone or no longer
-- open are dropped on the way, so asking again always makes progress.
--
-- KEYS: 1 exp
-- ARGV: 1 prefix, 2 now ms, 3 limit, 4 lease ms
-- Returns: {next due score or '', then the json of each claimed payment}.

local prefix, now_ms = ARGV[1], ARGV[2]
local limit = tonumber(ARGV[3])
local lease_end = tonumber(now_ms) + tonumber(ARGV[4])
local result = {''}
local claimed = 0
while claimed < limit do
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms, 'LIMIT', 0, limit - claimed)
  if #due == 0 then
    break
  end
  for _, id in ipairs(due) do
    local fields = redis.call('HMGET', prefix .. 'p:' .. id, 's', 'json')
    local status = fields[1]
    if fields[2] and (status == 'created' or status == 'pending' or status == 'failed' or status == 'authorized') then
      redis.call('ZADD', KEYS[1], lease_end, id)
      table.insert(result, fields[2])
      claimed = claimed + 1
    else
      redis.call('ZREM', KEYS[1], id)
    end
  end
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then
  result[1] = first[2]
end
return result
