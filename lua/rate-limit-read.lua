-- Reads a rate-limit counter and what is left of its window, in one step.
--
-- KEYS: 1 the counter, rl:{limiter}:{client}
-- ARGV: none
-- Returns: { hits (nil when no window is open), milliseconds until the window ends }.

return { redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1]) }
