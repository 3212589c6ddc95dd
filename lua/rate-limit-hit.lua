-- Counts one request in a fixed rate-limit window: the first hit starts the window (the counter's
-- lifetime), later hits count up. A script so that the start of a window and the count are one step.
--
-- KEYS: 1 the counter, rl:{limiter}:{client}
-- ARGV: 1 the window in milliseconds
-- Returns: { hits in this window, milliseconds until the window ends }.

local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
  return { 1, tonumber(ARGV[1]) }
end
return { redis.call('INCR', KEYS[1]), ttl }
