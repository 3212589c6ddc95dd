-- index_payment(prefix, id, status, expires_ms, first_attempt_arg): shared by create and commit. The
-- attempt index, the reference slots and the expiry set follow the payment's status; the attempt
-- refs are ARGV[first_attempt_arg] to the end.
-- Expects KEYS[3] = ref:{reference}:open, KEYS[4] = ref:{reference}:ok, KEYS[7] = exp.

local function index_payment(prefix, id, status, expires_ms, first_attempt_arg)
  for i = first_attempt_arg, #ARGV do
    redis.call('SET', prefix .. 'att:' .. ARGV[i], id, 'NX')
  end
  if status == 'created' or status == 'pending' or status == 'failed' then
    redis.call('SET', KEYS[3], id, 'NX')
    redis.call('ZADD', KEYS[7], expires_ms, id)
    return
  end
  if redis.call('GET', KEYS[3]) == id then
    redis.call('DEL', KEYS[3])
  end
  redis.call('ZREM', KEYS[7], id)
  if status == 'succeeded' then
    -- A late second success for the reference keeps the first holder: it is flagged, not promoted.
    redis.call('SET', KEYS[4], id, 'NX')
  end
end
