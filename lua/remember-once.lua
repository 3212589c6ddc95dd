-- Keeps the first value written under a key for a while, and hands back whichever value is kept.
-- A script because the read and the conditional write must not be separable.
--
-- KEYS: 1 once:{key}
-- ARGV: 1 value, 2 ttl seconds
-- Returns: the value kept (the stored one, or ARGV[1] when there was none).

local v = redis.call('GET', KEYS[1])
if v then
  return v
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return ARGV[1]
