-- Appends one entry to the audit log under the next sequence number and drops the oldest beyond the
-- limit, so the log stays bounded and its order is the order of appends, whatever the clocks say.
--
-- KEYS: 1 the log (sorted set, score = sequence), 2 the sequence counter
-- ARGV: 1 the entry's JSON, 2 how many entries to keep
-- Returns: the entry's sequence number.

local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
return seq
