using StackExchange.Redis;
using Tessera.Sessions;

namespace Tessera.Redis;

/// <summary>
/// Key names. A session's keys and its user's keys share the routing tag (the first 8 characters of the session id)
/// as their Redis Cluster hash tag, so one script can change them together; the store-wide indexes share the tag
/// <c>{g}</c>.
/// </summary>
internal sealed class RedisKeys
{
    public RedisKeys(string prefix)
    {
        Prefix = prefix;
        Expiry = prefix + "{g}:exp";
        LastSeen = prefix + "{g}:seen";
        Ids = prefix + "{g}:ids";
        Users = prefix + "{g}:users";
        UserVersions = prefix + "{g}:uv";
        RoutingKey = prefix + "{g}:routing-key";
        Channel = RedisChannel.Literal(prefix + "revoked");
        GlobalKeys = [Expiry, LastSeen, Ids, Users, UserVersions];
    }

    public string Prefix { get; }

    public RedisKey Expiry { get; }

    public RedisKey LastSeen { get; }

    public RedisKey Ids { get; }

    public RedisKey Users { get; }

    public RedisKey UserVersions { get; }

    public RedisKey RoutingKey { get; }

    /// <summary>The pub/sub channel that carries the ids of ended sessions to every process's near cache.</summary>
    public RedisChannel Channel { get; }

    /// <summary>The keys of <see cref="RedisScripts.Global"/>, in its order.</summary>
    public RedisKey[] GlobalKeys { get; }

    public RedisKey Session(string sessionId) => $"{Prefix}{{{sessionId[..SessionIdFactory.RoutingTagLength]}}}:s:{sessionId}";

    public RedisKey UserSet(string tag, string userId) => $"{Prefix}{{{tag}}}:u:{userId}";

    public RedisKey UserVersion(string tag, string userId) => $"{Prefix}{{{tag}}}:v:{userId}";
}
