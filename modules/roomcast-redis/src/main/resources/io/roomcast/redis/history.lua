-- roomcast history: the room's messages after an offset, read atomically with the room's latest
-- position, so a resuming subscriber knows whether the history covers all it missed.
--
-- KEYS[1] roomcast:{<room>}:offset   KEYS[2] roomcast:{<room>}:epoch   KEYS[3] roomcast:{<room>}:history
-- ARGV[1] the offset after which to read
-- ARGV[2] at most this many messages
-- ARGV[3] offset and epoch TTL in seconds, applied when the epoch is created (optional, default 2592000)
-- Returns {offset, epoch, envelope...}: the latest position, then the envelopes oldest first.

local epoch = redis.call('GET', KEYS[2])
local offset = redis.call('GET', KEYS[1])
if not epoch or not offset then
  -- A room without a stream gets one now, so a subscriber's position and the first publication share an epoch.
  local now = redis.call('TIME')
  local meta_ttl = tonumber(ARGV[3] or '2592000')
  epoch = string.format('%x%05x', tonumber(now[1]), tonumber(now[2]))
  offset = 0
  redis.call('SET', KEYS[2], epoch, 'EX', meta_ttl)
  redis.call('SET', KEYS[1], 0, 'EX', meta_ttl)
  redis.call('DEL', KEYS[3])
  return {0, epoch}
end
local out = {tonumber(offset), epoch}
local after = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if limit > 0 and after < tonumber(offset) then
  local entries = redis.call('XRANGE', KEYS[3], (after + 1) .. '-0', '+', 'COUNT', limit)
  for _, entry in ipairs(entries) do
    out[#out + 1] = entry[2][2] -- the one field, e = the envelope
  end
end
return out
