//! The Lua scripts of the Redis store. Each touches only the keys it is
//! given, which in cluster mode share one hash slot (see the store's keys).

/// Deletes KEYS[1] (the lock) and KEYS[2] (its hold), each only if it holds
/// ARGV[1].
pub const UNLOCK: &str = r#"
if redis.call('get', KEYS[2]) == ARGV[1] then
  redis.call('del', KEYS[2])
end
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"#;

/// Takes KEYS[1] for ARGV[1] with PX ARGV[2] unless another owner holds it
/// or its hold KEYS[3]; with ARGV[3] not empty, also holds it (KEYS[3] =
/// ARGV[1], PX ARGV[3]). Returns the new fence, or 0 when the lock is held. The fence is kept in KEYS[2] and is the larger of
/// the last one plus one and the server's clock in microseconds: a promoted
/// replica that never saw the last fence (a failover) or a restarted server
/// that lost it still issues a larger one, as long as clocks agree within the
/// failover's duration. Integer-valued doubles are exact to 2^53 (a clock in
/// µs reaches that in the year 2255); `%.0f` writes them without an exponent.
pub const LOCK: &str = r#"
local held = redis.call('get', KEYS[3])
if held and held ~= ARGV[1] then
  return 0
end
if not redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 0
end
if ARGV[3] ~= '' then
  redis.call('set', KEYS[3], ARGV[1], 'PX', ARGV[3])
end
local now = redis.call('time')
local clock = tonumber(now[1]) * 1000000 + tonumber(now[2])
local last = tonumber(redis.call('get', KEYS[2]) or '0') or 0
local fence = math.max(last + 1, clock)
redis.call('set', KEYS[2], string.format('%.0f', fence))
return fence
"#;

/// Extends KEYS[1] to PX ARGV[2] if it holds ARGV[1]; 1 when extended.
pub const RENEW: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/// Sets KEYS[1] to ARGV[1] with PX ARGV[2] unless the fence in KEYS[2] is
/// newer than ARGV[3] (-1) or, when ARGV[4] is not empty, KEYS[1] holds an
/// entry whose `expires_at` is later than ARGV[4] (0); 1 when written.
pub const PUT_FENCED: &str = r#"
local fence = tonumber(redis.call('get', KEYS[2]) or '0')
if fence and fence > tonumber(ARGV[3]) then
  return -1
end
if ARGV[4] ~= '' then
  local current = redis.call('get', KEYS[1])
  if current then
    local ok, entry = pcall(cjson.decode, current)
    if ok and type(entry) == 'table' and tonumber(entry.expires_at) and tonumber(entry.expires_at) > tonumber(ARGV[4]) then
      return 0
    end
  end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"#;

/// Sets KEYS[1] to ARGV[1] with PX ARGV[3] unless it holds an entry whose
/// `expires_at` is later than ARGV[2]; returns 1 when written.
pub const PUT_IF_NEWER: &str = r#"
local current = redis.call('get', KEYS[1])
if current then
  local ok, entry = pcall(cjson.decode, current)
  if ok and type(entry) == 'table' and tonumber(entry.expires_at) and tonumber(entry.expires_at) > tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
"#;
