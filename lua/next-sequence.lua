-- Counts up in a scope whose counter expires a while after it was started. A script because INCR
-- and the expiry of a new counter must not be separable.
--
-- KEYS: 1 seq:{scope}
-- ARGV: 1 ttl seconds
-- Returns: the next number (1 for a new counter).

local v = redis.call('INCR', KEYS[1])
if v == 1 then
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
end
return v
