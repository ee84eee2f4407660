-- roomcast direct: a message to one connection's room ($<session>), without offset or history.
-- KEYS[1] the room's channel, roomcast:{$<session>}
-- ARGV[1] the envelope (magic bytes, then roomcast.v1.Envelope with the payload, time_ms, no offset)
-- ARGV[2] '1' to SPUBLISH (Redis Cluster), '0' to PUBLISH
-- Returns {how many subscribers Redis handed it to (0: that connection is gone)}.
return {redis.call(ARGV[2] == '1' and 'SPUBLISH' or 'PUBLISH', KEYS[1], ARGV[1])}
