-- index_payment(prefix, id, status, due_ms, reconcile_from, first_index_arg): shared by create and
-- commit. The attempt and refund indexes, the reference slots, the expiry set and the reconciliation
-- set follow the payment's status;
-- ARGV[first_index_arg] to the end are the index keys without the prefix (`att:{ref}`, `rf:{refund id}`),
-- each pointed at the payment once. due_ms is when the sweeper should look at the payment: its
-- expiresAt while open, its captureBefore while authorized (the bank releases the money then).
-- reconcile_from is, while the payment awaits the bank's word (a pending attempt or refund), the ms of
-- this change, '' otherwise: the payment enters `rec` then (NX: a change that still awaits keeps its
-- back-off) and leaves it, with its ask count in `recn`, when it no longer awaits.
-- Expects KEYS[3] = ref:{reference}:open, KEYS[4] = ref:{reference}:ok, KEYS[7] = exp.

local function index_payment(prefix, id, status, due_ms, reconcile_from, first_index_arg)
  for i = first_index_arg, #ARGV do
    redis.call('SET', prefix .. ARGV[i], id, 'NX')
  end
  if reconcile_from ~= '' then
    redis.call('ZADD', prefix .. 'rec', 'NX', reconcile_from, id)
  else
    redis.call('ZREM', prefix .. 'rec', id)
    redis.call('HDEL', prefix .. 'recn', id)
  end
  if status == 'created' or status == 'pending' or status == 'failed' or status == 'authorized' then
    -- An authorisation waiting for its capture holds the order's reference as an open payment does.
    redis.call('SET', KEYS[3], id, 'NX')
    redis.call('ZADD', KEYS[7], due_ms, id)
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
