-- One stretch of the payment listing, newest first, filtered by status and by the console's filter
-- (the walk is paging.lua's). A script so a page costs one round trip whatever the filter skips.
--
-- KEYS: 1 the sorted set (created or byref:{reference})
-- ARGV: 1 prefix, 2 status or '', 3 score to start at ('+inf' or the cursor's), 4 cursor id or '',
--       5 matches wanted, 6 most entries to examine, 7 the filter as JSON or '' (core/payment-filter.ts:
--       search, connector, amountMin, amountMax; the date range is the score range), 8 lowest score ('-inf')
-- Returns: {'done' | 'more', last examined score, last examined id, then score, id, json per match}.

-- @include paging.lua

local prefix, status = ARGV[1], ARGV[2]
local filter = ARGV[7] ~= '' and cjson.decode(ARGV[7]) or nil

local function text(value)
  return type(value) == 'string' and value or nil
end

-- The same rules as matchesFilter in core/payment-filter.ts.
local function matches_search(p, search)
  if p.id == search or p.reference == search then
    return true
  end
  if type(p.customer) == 'table' and text(p.customer.email) and string.lower(p.customer.email) == string.lower(search) then
    return true
  end
  for _, a in ipairs(p.attempts or {}) do
    if a.ref == search or text(a.bankTransactionId) == search then
      return true
    end
    if type(a.card) == 'table' and a.card.last4 == search then
      return true
    end
  end
  return false
end

local function matches(json)
  local p = cjson.decode(json)
  if filter.search and not matches_search(p, filter.search) then
    return false
  end
  if filter.connector and p.connector ~= filter.connector then
    return false
  end
  if filter.amountMin and p.amount < filter.amountMin then
    return false
  end
  if filter.amountMax and p.amount > filter.amountMax then
    return false
  end
  return true
end

local function take(result, score, id)
  local fields = redis.call('HMGET', prefix .. 'p:' .. id, 's', 'json')
  if not fields[2] or (status ~= '' and fields[1] ~= status) then
    return false
  end
  if filter and not matches(fields[2]) then
    return false
  end
  table.insert(result, score)
  table.insert(result, id)
  table.insert(result, fields[2])
  return true
end

return list_newest_first(KEYS[1], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), take, ARGV[8])
