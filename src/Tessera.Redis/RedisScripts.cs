namespace Tessera.Redis;

/// <summary>
/// The Lua scripts behind every atomic step. Each touches the keys of one hash slot only: a session script the
/// keys of one user (all tagged with the user's routing tag), <see cref="Global"/> the store-wide indexes (tagged
/// <c>{g}</c>). StackExchange.Redis sends each script once and runs it by SHA afterwards.
/// </summary>
/// <remarks>
/// <para>
/// Times are UTC ticks written as 19 decimal digits. Lua 5.1 numbers are doubles, exact only to 2^53, while ticks
/// reach 3.2e18, so the scripts never do arithmetic on a whole tick count: <c>T</c> splits one into whole seconds
/// and the ticks within the second, both exact, and <c>lt</c>, <c>add</c> and <c>S</c> work on that pair. Sorted-set
/// scores are milliseconds since the Unix epoch (<see cref="RedisTime.Score"/>), exact in a double; the scripts
/// never trust a score alone to decide that a session is alive, only the exact expiry field <c>x</c>.
/// Numbers handed to Redis are formatted with <c>N</c>, because Lua would print large ones in exponent form.
/// </para>
/// <para>
/// Session hash fields: <c>u</c> user id, <c>c</c> created, <c>l</c> last seen, <c>i</c> idle timeout, <c>a</c>
/// absolute expiry, <c>x</c> = min(l + i, a), <c>n</c> creation order within the user, <c>ip</c>/<c>ua</c>/<c>dl</c>
/// client info, <c>h</c> current refresh hash ('' for none), <c>g</c> generation, <c>ri</c> when <c>h</c> was set,
/// <c>rh</c>/<c>rt</c>/<c>re</c> the retired hash, when and its envelope, <c>tc</c> token claims, <c>dn</c>/<c>ds</c>
/// data key count and size, <c>q</c> the data order counter, and one field <c>d:&lt;key&gt;</c> per data key holding
/// <c>&lt;order&gt;:&lt;json&gt;</c>.
/// </para>
/// <para>
/// Per user: a sorted set of session ids scored by expiry (<c>{tag}:u:&lt;user&gt;</c>) and a version counter
/// (<c>{tag}:v:&lt;user&gt;</c>) that orders the updates of the store-wide user index, which lives in another slot and
/// so is written in a second step.
/// </para>
/// </remarks>
internal static class RedisScripts
{
    /// <summary>Helpers every session script starts with.</summary>
    private const string Prelude = """
        local function T(s) return {tonumber(string.sub(s, 1, 12)), tonumber(string.sub(s, 13, 19))} end
        local function lt(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end
        local function add(a, b)
          local hi, lo = a[1] + b[1], a[2] + b[2]
          if lo >= 10000000 then hi, lo = hi + 1, lo - 10000000 end
          return {hi, lo}
        end
        local function S(a) return string.format('%012.0f%07.0f', a[1], a[2]) end
        local function N(n) return string.format('%.0f', n) end
        local function ms(a) return a[1] * 1000 + math.floor(a[2] / 10000) - 62135596800000 end
        local function skey(p, sid) return p .. '{' .. string.sub(sid, 1, 8) .. '}:s:' .. sid end
        local function ukey(p, sid, uid) return p .. '{' .. string.sub(sid, 1, 8) .. '}:u:' .. uid end
        local function vkey(p, sid, uid) return p .. '{' .. string.sub(sid, 1, 8) .. '}:v:' .. uid end
        -- Expire a key a second after the score (ms) it lives to; keys living past ~95 years never expire.
        local function expireat(key, score, nowms)
          local ttl = score - nowms + 1000
          if ttl > 3000000000000 then redis.call('PERSIST', key) else redis.call('PEXPIRE', key, N(ttl)) end
        end
        -- The next version of a user's index entry. A lost counter restarts above any earlier value.
        local function bump(vk, nowms)
          if redis.call('EXISTS', vk) == 0 then redis.call('SET', vk, N(nowms * 100)) end
          return redis.call('INCR', vk)
        end
        -- Drops expired entries of a user's set, then returns the latest expiry score left (0 when none) and
        -- keeps the set and the version counter alive that long (the counter two hours longer).
        local function usermax(uk, vk, nowms)
          redis.call('ZREMRANGEBYSCORE', uk, '-inf', '(' .. N(nowms))
          local top = redis.call('ZRANGE', uk, -1, -1, 'WITHSCORES')
          local mx = 0
          if top[2] then
            mx = tonumber(top[2])
            expireat(uk, mx, nowms)
            expireat(vk, mx + 7200000, nowms)
          else
            redis.call('PEXPIRE', vk, 7200000)
          end
          return mx
        end
        -- Slides last seen to now (never backwards, never past the absolute expiry). Returns the new expiry.
        local function slide(key, sid, uid, p, now, nowms)
          local f = redis.call('HMGET', key, 'l', 'i', 'a')
          local l = T(f[1])
          if lt(l, now) then l = now end
          local x = add(l, T(f[2]))
          local a = T(f[3])
          if lt(a, x) then x = a end
          redis.call('HSET', key, 'l', S(l), 'x', S(x))
          expireat(key, ms(x), nowms)
          redis.call('ZADD', ukey(p, sid, uid), 'GT', N(ms(x)), sid)
          return x, l
        end
        local function alive(x, now) return x and lt(now, T(x)) end
        """;

    /// <summary>
    /// Creates a session. KEYS: session, user set, user version. ARGV: now, limit (0 none), policy ('r' refuse,
    /// 'e' evict oldest), prefix, id, then field/value pairs. Returns {1} when refused, else
    /// {0, version, user max score, evicted ids...}.
    /// </summary>
    public const string Create = Prelude + """

        local now = T(ARGV[1]); local nowms = ms(now); local p = ARGV[4]; local sid = ARGV[5]
        local limit = tonumber(ARGV[2])
        local evicted = {}
        if limit > 0 then
          redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. N(nowms))
          local live = {}
          for _, other in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
            local f = redis.call('HMGET', skey(p, other), 'x', 'c', 'n')
            if alive(f[1], now) then
              live[#live + 1] = {other, T(f[2]), tonumber(f[3])}
            end
          end
          local excess = #live - limit + 1
          if excess > 0 then
            if ARGV[3] == 'r' then return {1} end
            table.sort(live, function(m, o)
              if lt(m[2], o[2]) then return true end
              if lt(o[2], m[2]) then return false end
              return m[3] < o[3]
            end)
            for j = 1, excess do
              redis.call('DEL', skey(p, live[j][1]))
              redis.call('ZREM', KEYS[2], live[j][1])
              evicted[#evicted + 1] = live[j][1]
            end
          end
        end
        local v = bump(KEYS[3], nowms)
        redis.call('HSET', KEYS[1], 'n', N(v), unpack(ARGV, 6))
        local x = redis.call('HGET', KEYS[1], 'x')
        expireat(KEYS[1], ms(T(x)), nowms)
        redis.call('ZADD', KEYS[2], N(ms(T(x))), sid)
        local mx = usermax(KEYS[2], KEYS[3], nowms)
        local reply = {0, v, N(mx)}
        for _, e in ipairs(evicted) do reply[#reply + 1] = e end
        return reply
        """;

    /// <summary>
    /// Touches a live session. KEYS: session. ARGV: now, prefix, id. Returns {} when not alive, else
    /// {version, user max score, expiry score, last-seen score, field/value pairs...}.
    /// </summary>
    public const string Touch = Prelude + """

        local now = T(ARGV[1]); local nowms = ms(now); local p = ARGV[2]; local sid = ARGV[3]
        local f = redis.call('HMGET', KEYS[1], 'x', 'u')
        if not alive(f[1], now) then return {} end
        local x, l = slide(KEYS[1], sid, f[2], p, now, nowms)
        local v = bump(vkey(p, sid, f[2]), nowms)
        local mx = usermax(ukey(p, sid, f[2]), vkey(p, sid, f[2]), nowms)
        local reply = {v, N(mx), N(ms(x)), N(ms(l))}
        for _, e in ipairs(redis.call('HGETALL', KEYS[1])) do reply[#reply + 1] = e end
        return reply
        """;

    /// <summary>
    /// Sets one data field of a live session. KEYS: session. ARGV: now, field ('d:' + key), JSON, max keys,
    /// max data bytes. Returns 0 (ok), 1 (not found) or 4 (data too large), as <c>SessionWriteStatus</c>.
    /// </summary>
    public const string SetValue = Prelude + """

        local now = T(ARGV[1])
        local f = redis.call('HMGET', KEYS[1], 'x', 'dn', 'ds', 'q')
        if not alive(f[1], now) then return 1 end
        local dn, ds, q = tonumber(f[2]), tonumber(f[3]), tonumber(f[4])
        local field, json = ARGV[2], ARGV[3]
        local kb = #field - 2
        local old = redis.call('HGET', KEYS[1], field)
        local order
        if old then
          local colon = string.find(old, ':', 1, true)
          order = string.sub(old, 1, colon - 1)
          ds = ds - kb - (#old - colon)
        else
          dn, q = dn + 1, q + 1
          order = N(q)
        end
        ds = ds + kb + #json
        if dn > tonumber(ARGV[4]) or ds > tonumber(ARGV[5]) then return 4 end
        redis.call('HSET', KEYS[1], field, order .. ':' .. json, 'dn', N(dn), 'ds', N(ds), 'q', N(q))
        return 0
        """;

    /// <summary>Removes one data field of a live session. KEYS: session. ARGV: now, field. Returns 0 or 1 (not found).</summary>
    public const string RemoveValue = Prelude + """

        local now = T(ARGV[1])
        local f = redis.call('HMGET', KEYS[1], 'x', 'dn', 'ds')
        if not alive(f[1], now) then return 1 end
        local old = redis.call('HGET', KEYS[1], ARGV[2])
        if old then
          local colon = string.find(old, ':', 1, true)
          redis.call('HDEL', KEYS[1], ARGV[2])
          redis.call('HSET', KEYS[1], 'dn', N(tonumber(f[2]) - 1), 'ds', N(tonumber(f[3]) - (#ARGV[2] - 2) - (#old - colon)))
        end
        return 0
        """;

    /// <summary>Removes every data field of a live session. KEYS: session. ARGV: now. Returns 0 or 1 (not found).</summary>
    public const string ClearValues = Prelude + """

        local now = T(ARGV[1])
        if not alive(redis.call('HGET', KEYS[1], 'x'), now) then return 1 end
        local fields = {}
        for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
          if string.sub(name, 1, 2) == 'd:' then fields[#fields + 1] = name end
        end
        if #fields > 0 then redis.call('HDEL', KEYS[1], unpack(fields)) end
        redis.call('HSET', KEYS[1], 'dn', '0', 'ds', '0')
        return 0
        """;

    /// <summary>
    /// Rotates the refresh hash by compare-and-swap. KEYS: session. ARGV: now, prefix, id, expected, replacement,
    /// envelope. Returns {3} not found; {2, generation} mismatch; {1, generation, retired at, envelope} retired;
    /// {0, generation, user id, version, user max score, expiry score, last-seen score} rotated.
    /// </summary>
    public const string Rotate = Prelude + """

        local now = T(ARGV[1]); local nowms = ms(now); local p = ARGV[2]; local sid = ARGV[3]
        local f = redis.call('HMGET', KEYS[1], 'x', 'h', 'rh', 'rt', 're', 'g', 'u')
        if not alive(f[1], now) then return {3} end
        local g = tonumber(f[6])
        if f[2] ~= '' and f[2] == ARGV[4] then
          g = g + 1
          redis.call('HSET', KEYS[1], 'rh', f[2], 'rt', ARGV[1], 're', ARGV[6], 'h', ARGV[5], 'g', N(g), 'ri', ARGV[1])
          local x, l = slide(KEYS[1], sid, f[7], p, now, nowms)
          local v = bump(vkey(p, sid, f[7]), nowms)
          local mx = usermax(ukey(p, sid, f[7]), vkey(p, sid, f[7]), nowms)
          return {0, g, f[7], v, N(mx), N(ms(x)), N(ms(l))}
        end
        if f[3] and f[3] == ARGV[4] then return {1, g, f[4], f[5]} end
        return {2, g}
        """;

    /// <summary>
    /// Removes one session. KEYS: session. ARGV: now, prefix, id. Returns {} when there was no such key, else
    /// {1 if it was alive else 0, user id, version, user max score}.
    /// </summary>
    public const string Remove = Prelude + """

        local now = T(ARGV[1]); local nowms = ms(now); local p = ARGV[2]; local sid = ARGV[3]
        local f = redis.call('HMGET', KEYS[1], 'x', 'u')
        if not f[1] then return {} end
        redis.call('DEL', KEYS[1])
        redis.call('ZREM', ukey(p, sid, f[2]), sid)
        local v = bump(vkey(p, sid, f[2]), nowms)
        local mx = usermax(ukey(p, sid, f[2]), vkey(p, sid, f[2]), nowms)
        local live = 0
        if alive(f[1], now) then live = 1 end
        return {live, f[2], v, N(mx)}
        """;

    /// <summary>
    /// Removes a session only if it has expired (the collector). KEYS: session. ARGV: now, prefix, id. Returns {}
    /// when there was no such key; {1, expiry score, last-seen score} when it is alive (nothing changed);
    /// {0, user id, version, user max score} when it was removed.
    /// </summary>
    public const string RemoveIfExpired = Prelude + """

        local now = T(ARGV[1]); local nowms = ms(now); local p = ARGV[2]; local sid = ARGV[3]
        local f = redis.call('HMGET', KEYS[1], 'x', 'u', 'l')
        if not f[1] then return {} end
        if alive(f[1], now) then return {1, N(ms(T(f[1]))), N(ms(T(f[3])))} end
        redis.call('DEL', KEYS[1])
        redis.call('ZREM', ukey(p, sid, f[2]), sid)
        local v = bump(vkey(p, sid, f[2]), nowms)
        local mx = usermax(ukey(p, sid, f[2]), vkey(p, sid, f[2]), nowms)
        return {0, f[2], v, N(mx)}
        """;

    /// <summary>
    /// Removes a user's sessions except one. KEYS: user set, user version. ARGV: now, prefix, id to keep ('' none).
    /// Returns {version (0 when nothing was removed), user max score, count of live removed, live ids..., other
    /// removed ids...}.
    /// </summary>
    public const string RemoveUser = Prelude + """

        local now = T(ARGV[1]); local nowms = ms(now); local p = ARGV[2]; local keep = ARGV[3]
        local live, dead = {}, {}
        for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
          if sid ~= keep then
            local key = skey(p, sid)
            if alive(redis.call('HGET', key, 'x'), now) then live[#live + 1] = sid else dead[#dead + 1] = sid end
            redis.call('DEL', key)
            redis.call('ZREM', KEYS[1], sid)
          end
        end
        local v = 0
        if #live + #dead > 0 then v = bump(KEYS[2], nowms) end
        local mx = usermax(KEYS[1], KEYS[2], nowms)
        local reply = {v, N(mx), #live}
        for _, sid in ipairs(live) do reply[#reply + 1] = sid end
        for _, sid in ipairs(dead) do reply[#reply + 1] = sid end
        return reply
        """;

    /// <summary>Reads a user's live sessions. KEYS: user set. ARGV: now, prefix. Returns id, field/value array, for each.</summary>
    public const string ListUser = Prelude + """

        local now = T(ARGV[1]); local p = ARGV[2]
        local reply = {}
        for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
          local key = skey(p, sid)
          if alive(redis.call('HGET', key, 'x'), now) then
            reply[#reply + 1] = sid
            reply[#reply + 1] = redis.call('HGETALL', key)
          end
        end
        return reply
        """;

    /// <summary>
    /// Applies changes to the store-wide indexes. KEYS: expiry set, last-seen set, id set, user set, user versions.
    /// ARGV: user update count U, U triples (user id, version, max score) applied only if newer than the stored
    /// version, then quadruples (op, id, expiry score, last-seen score) with op 'a' add, 't' touch (scores only
    /// rise, never re-adds), 'r' remove.
    /// </summary>
    public const string Global = """
        local i = 2
        for _ = 1, tonumber(ARGV[1]) do
          local uid, v = ARGV[i], ARGV[i + 1]
          local current = redis.call('HGET', KEYS[5], uid)
          if not current or tonumber(current) < tonumber(v) then
            redis.call('HSET', KEYS[5], uid, v)
            redis.call('ZADD', KEYS[4], ARGV[i + 2], uid)
          end
          i = i + 3
        end
        while i <= #ARGV do
          local op, sid = ARGV[i], ARGV[i + 1]
          if op == 'a' then
            redis.call('ZADD', KEYS[1], ARGV[i + 2], sid)
            redis.call('ZADD', KEYS[2], ARGV[i + 3], sid)
            redis.call('ZADD', KEYS[3], 0, sid)
          elseif op == 't' then
            redis.call('ZADD', KEYS[1], 'XX', 'GT', ARGV[i + 2], sid)
            redis.call('ZADD', KEYS[2], 'XX', 'GT', ARGV[i + 3], sid)
          else
            redis.call('ZREM', KEYS[1], sid)
            redis.call('ZREM', KEYS[2], sid)
            redis.call('ZREM', KEYS[3], sid)
          end
          i = i + 4
        end
        return 0
        """;

    /// <summary>
    /// Forgets users whose sessions all ended before a cutoff score (the collector). KEYS: user set, user versions.
    /// ARGV: cutoff score, batch size. Returns how many were forgotten.
    /// </summary>
    public const string ForgetUsers = """
        local users = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
        for _, uid in ipairs(users) do
          redis.call('HDEL', KEYS[2], uid)
          redis.call('ZREM', KEYS[1], uid)
        end
        return #users
        """;
}
