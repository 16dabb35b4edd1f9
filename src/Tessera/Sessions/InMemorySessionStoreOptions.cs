namespace Tessera.Sessions;

/// <summary>Options of <see cref="InMemorySessionStore"/>. Read once, when the store is created.</summary>
public sealed class InMemorySessionStoreOptions
{
    /// <summary>The most live sessions held. Default: 1,000,000.</summary>
    public int MaxSessions { get; set; } = 1_000_000;

    /// <summary>
    /// The most bytes held, as the store estimates them: a fixed 256 bytes per session plus its user id, client
    /// information and data. Default: 512 MiB.
    /// </summary>
    public long MaxBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>What happens to a new session at capacity. Default: <see cref="StoreCapacityPolicy.Refuse"/>.
    /// A data write over <see cref="MaxBytes"/> is always refused.</summary>
    public StoreCapacityPolicy CapacityPolicy { get; set; } = StoreCapacityPolicy.Refuse;

    /// <summary>
    /// How often the background collector removes expired sessions; <see cref="TimeSpan.Zero"/> turns the timer off
    /// (call <see cref="InMemorySessionStore.SweepExpired"/> yourself). Counts may include sessions expired for up to
    /// this long. Default: 10 seconds.
    /// </summary>
    public TimeSpan CollectionInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The window of <see cref="SessionCounts.ActiveSessions"/>, counted to within 1/30 of it. Default: 5 minutes.</summary>
    public TimeSpan ActiveWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Size limits on session data. Default: see <see cref="SessionDataLimits"/>.</summary>
    public SessionDataLimits DataLimits { get; set; } = new();

    /// <summary>The key of the routing tag in session ids (at least 16 bytes); null, the default, draws a random one.
    /// Only a store shared between processes needs a fixed key.</summary>
    public byte[]? RoutingKey { get; set; }

    /// <summary>Lists every problem with these options (empty when they are usable).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxSessions < 1)
        {
            problems.Add($"{nameof(MaxSessions)} must be positive (was {MaxSessions}).");
        }

        if (MaxBytes < 1)
        {
            problems.Add($"{nameof(MaxBytes)} must be positive (was {MaxBytes}).");
        }

        if (!Enum.IsDefined(CapacityPolicy))
        {
            problems.Add($"{nameof(CapacityPolicy)} is not a defined policy (was {CapacityPolicy}).");
        }

        if (CollectionInterval < TimeSpan.Zero)
        {
            problems.Add($"{nameof(CollectionInterval)} must not be negative (was {CollectionInterval}).");
        }

        if (ActiveWindow < TimeSpan.FromSeconds(30) || ActiveWindow > TimeSpan.FromDays(1))
        {
            problems.Add($"{nameof(ActiveWindow)} must be between 30 seconds and 1 day (was {ActiveWindow}).");
        }

        if (DataLimits is null)
        {
            problems.Add($"{nameof(DataLimits)} must not be null.");
        }
        else
        {
            problems.AddRange(DataLimits.Validate($"{nameof(DataLimits)}."));
        }

        if (RoutingKey is { Length: < SessionIdFactory.MinRoutingKeyBytes })
        {
            problems.Add($"{nameof(RoutingKey)} must have at least {SessionIdFactory.MinRoutingKeyBytes} bytes.");
        }

        return problems;
    }
}
