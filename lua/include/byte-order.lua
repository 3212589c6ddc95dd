-- byte_less(a, b): byte-wise string order, the tie-break of listings whose entries share a score
-- (ids created in the same millisecond). Members are compared byte by byte because Lua's string <
-- follows the server's locale, not ZSET order.

local function byte_less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      return x < y
    end
  end
  return #a < #b
end
