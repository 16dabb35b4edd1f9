using System.Text;
using StackExchange.Redis;
using Tessera.Sessions;

namespace Tessera.Redis;

/// <summary>A snapshot of a session read from its Redis hash (see <see cref="RedisScripts"/> for the fields).</summary>
internal sealed class RedisSessionRecord : SessionRecord
{
    private readonly string _id;
    private readonly string _userId;
    private readonly DateTimeOffset _createdAt;
    private readonly DateTimeOffset _lastSeenAt;
    private readonly TimeSpan _idleTimeout;
    private readonly DateTimeOffset _absoluteExpiresAt;
    private readonly SessionClientInfo? _client;
    private readonly RefreshHash _refreshHash;
    private readonly int _generation;
    private readonly DateTimeOffset _refreshIssuedAt;
    private readonly ReadOnlyMemory<byte> _tokenClaims;
    private readonly SessionData _data;

    private RedisSessionRecord(string id, Fields f)
    {
        _id = id;
        _userId = f.UserId ?? throw Corrupt(id, "u");
        _createdAt = Time(f.Created, id, "c");
        _lastSeenAt = Time(f.LastSeen, id, "l");
        _idleTimeout = TimeSpan.FromTicks(RedisTime.ParseTicks(f.Idle ?? throw Corrupt(id, "i")));
        _absoluteExpiresAt = Time(f.Absolute, id, "a");
        _client = f.Ip is null && f.UserAgent is null && f.Device is null ? null : new SessionClientInfo(f.Ip, f.UserAgent, f.Device);
        _refreshHash = f.Hash is { Length: RefreshHash.Size } hash ? RefreshHash.FromBytes(hash) : default;
        _generation = f.Generation;
        CreationOrder = f.CreationOrder;
        _refreshIssuedAt = f.RefreshIssued is null ? _createdAt : Time(f.RefreshIssued, id, "ri");
        _tokenClaims = f.Claims ?? ReadOnlyMemory<byte>.Empty;
        _data = f.Data is null ? SessionData.Empty : SessionData.Create(f.Data.OrderBy(d => d.Order).Select(d => d.Entry).ToList());
    }

    /// <summary>Orders sessions of one user created at the same instant (field <c>n</c>).</summary>
    public long CreationOrder { get; }

    public override string Id => _id;

    public override string UserId => _userId;

    public override DateTimeOffset CreatedAt => _createdAt;

    public override DateTimeOffset LastSeenAt => _lastSeenAt;

    public override TimeSpan IdleTimeout => _idleTimeout;

    public override DateTimeOffset AbsoluteExpiresAt => _absoluteExpiresAt;

    public override SessionClientInfo? Client => _client;

    public override RefreshHash RefreshHash => _refreshHash;

    public override int RefreshGeneration => _generation;

    public override DateTimeOffset RefreshIssuedAt => _refreshIssuedAt;

    public override ReadOnlyMemory<byte> TokenClaims => _tokenClaims;

    public override SessionData Data => _data;

    /// <summary>Reads a hash given as alternating field names and values (HGETALL's reply); null when empty.</summary>
    public static RedisSessionRecord? Parse(string id, ReadOnlySpan<RedisResult> pairs)
    {
        if (pairs.Length == 0)
        {
            return null;
        }

        var fields = new Fields();
        for (int i = 0; i + 1 < pairs.Length; i += 2)
        {
            fields.Set((string)pairs[i]!, (byte[])pairs[i + 1]!);
        }

        return new RedisSessionRecord(id, fields);
    }

    /// <summary>Reads HGETALL's reply as StackExchange.Redis returns it from a plain command.</summary>
    public static RedisSessionRecord? Parse(string id, HashEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return null;
        }

        var fields = new Fields();
        foreach (HashEntry entry in entries)
        {
            fields.Set((string)entry.Name!, (byte[])entry.Value!);
        }

        return new RedisSessionRecord(id, fields);
    }

    private static DateTimeOffset Time(byte[]? digits, string id, string field) =>
        new(RedisTime.ParseTicks(digits ?? throw Corrupt(id, field)), TimeSpan.Zero);

    private static InvalidDataException Corrupt(string id, string field) =>
        new($"The Redis hash of session {id[..SessionIdFactory.RoutingTagLength]}… has no field '{field}'; it was not written by this store.");

    private sealed class Fields
    {
        public string? UserId;
        public byte[]? Created;
        public byte[]? LastSeen;
        public byte[]? Idle;
        public byte[]? Absolute;
        public string? Ip;
        public string? UserAgent;
        public string? Device;
        public byte[]? Hash;
        public int Generation;
        public long CreationOrder;
        public byte[]? RefreshIssued;
        public byte[]? Claims;
        public List<(long Order, KeyValuePair<string, ReadOnlyMemory<byte>> Entry)>? Data;

        public void Set(string name, byte[] value)
        {
            switch (name)
            {
                case "u": UserId = Encoding.UTF8.GetString(value); break;
                case "c": Created = value; break;
                case "l": LastSeen = value; break;
                case "i": Idle = value; break;
                case "a": Absolute = value; break;
                case "ip": Ip = Encoding.UTF8.GetString(value); break;
                case "ua": UserAgent = Encoding.UTF8.GetString(value); break;
                case "dl": Device = Encoding.UTF8.GetString(value); break;
                case "h": Hash = value; break;
                case "n": CreationOrder = RedisTime.ParseTicks(value); break;
                case "g": Generation = (int)RedisTime.ParseTicks(value); break;
                case "ri": RefreshIssued = value; break;
                case "tc": Claims = value; break;
                default:
                    if (name.StartsWith("d:", StringComparison.Ordinal))
                    {
                        int colon = Array.IndexOf(value, (byte)':');
                        long order = RedisTime.ParseTicks(value.AsSpan(0, colon));
                        (Data ??= []).Add((order, new(name[2..], value.AsMemory(colon + 1))));
                    }

                    break;
            }
        }
    }
}
