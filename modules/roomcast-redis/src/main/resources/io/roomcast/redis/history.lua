#!lua flags=no-writes
-- roomcast history: the room's messages after an offset, read atomically with the room's latest
-- position, so a resuming subscriber knows whether the history covers all it missed.
--
-- KEYS[1] roomcast:{<room>}:offset   KEYS[2] roomcast:{<room>}:epoch   KEYS[3] roomcast:{<room>}:history
-- KEYS[4] roomcast:{<room>}:gen
-- ARGV[1] the offset after which to read
-- ARGV[2] at most this many messages
-- Returns {offset, epoch, envelope...}: the latest position, then the envelopes oldest first.
-- Reads only: a room without a live stream (never published, its keys expired or lost, or its epoch
-- made by another server process, see publish.lua) is {0, ''}, offset 0 in no epoch, and nothing is
-- created for it. The next publish makes a new epoch; a subscriber that started from {0, ''} takes
-- it as the continuation of its position.
-- The first line flags the script read-only (Redis 7): the server refuses any write it would make.

if #KEYS < 4 then
  return redis.error_reply('ERR roomcast history.lua needs 4 keys (offset, epoch, history, gen), see docs/redis.md')
end
local epoch = redis.call('GET', KEYS[2])
local offset = redis.call('GET', KEYS[1])
if not epoch or not offset
    or redis.call('GET', KEYS[4]) ~= string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') then
  return {0, ''}
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
