-- Replaces a console user only if it still exists, so an update racing a removal cannot bring the
-- user back. A script because the check and the write must not be separable.
--
-- KEYS: 1 the users hash
-- ARGV: 1 email (the field), 2 the user's JSON
-- Returns: 1 when replaced, 0 when no such user.

if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
