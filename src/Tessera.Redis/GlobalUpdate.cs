using StackExchange.Redis;

namespace Tessera.Redis;

/// <summary>Collects the changes of one <see cref="RedisScripts.Global"/> call: user entries first, then session entries.</summary>
internal sealed class GlobalUpdate
{
    private readonly List<RedisValue> _users = [];
    private readonly List<RedisValue> _sessions = [];

    public bool IsEmpty => _users.Count == 0 && _sessions.Count == 0;

    /// <summary>Sets a user's latest expiry score, if <paramref name="version"/> is newer than the one applied.</summary>
    public GlobalUpdate User(string userId, long version, string maxScore)
    {
        _users.Add(userId);
        _users.Add(version);
        _users.Add(maxScore);
        return this;
    }

    public GlobalUpdate Add(string sessionId, long expiryScore, long lastSeenScore) => Session("a", sessionId, expiryScore, lastSeenScore);

    public GlobalUpdate Touch(string sessionId, string expiryScore, string lastSeenScore)
    {
        _sessions.AddRange(["t", sessionId, expiryScore, lastSeenScore]);
        return this;
    }

    public GlobalUpdate Remove(string sessionId) => Session("r", sessionId, 0, 0);

    public RedisValue[] ToArgs()
    {
        var args = new RedisValue[1 + _users.Count + _sessions.Count];
        args[0] = _users.Count / 3;
        _users.CopyTo(args, 1);
        _sessions.CopyTo(args, 1 + _users.Count);
        return args;
    }

    private GlobalUpdate Session(string op, string sessionId, long expiryScore, long lastSeenScore)
    {
        _sessions.AddRange([op, sessionId, expiryScore, lastSeenScore]);
        return this;
    }
}
