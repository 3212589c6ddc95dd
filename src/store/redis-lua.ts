/**
 * Lua: byte-wise string order, the tie-break of listings whose entries share a score (ids created in
 * the same millisecond). Shared by the payment and event listings.
 */
export const BYTE_LESS = `
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
`;
