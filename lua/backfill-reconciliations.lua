-- Puts payments that await the bank's word back into the reconciliation set, when they are not in it
-- (written by a version before the set existed, or their entry lost). The caller read each payment
-- and decided; the version check drops one that changed since (its commit indexed it itself), and NX
-- keeps an entry already there with its back-off, so running it again changes nothing.
--
-- KEYS: 1 rec
-- ARGV: 1 prefix, then per payment: id, version read, reconcile-from ms (its updatedAt)
-- Returns: how many payments entered the set.

local prefix = ARGV[1]
local added = 0
for i = 2, #ARGV, 3 do
  local id, version, from = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HGET', prefix .. 'p:' .. id, 'v') == version then
    added = added + redis.call('ZADD', KEYS[1], 'NX', from, id)
  end
end
return added
