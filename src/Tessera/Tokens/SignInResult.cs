using Tessera.Sessions;

namespace Tessera.Tokens;

/// <summary>The outcome of a sign-in: the new session and its tokens, or why not.</summary>
public readonly struct SignInResult
{
    internal SignInResult(SignInError error, IssuedTokens? tokens, SessionRecord? session, IReadOnlyList<string>? endedSessionIds)
    {
        Error = error;
        Tokens = tokens;
        Session = session;
        EndedSessionIds = endedSessionIds ?? [];
    }

    /// <summary>Why the sign-in failed; <see cref="SignInError.None"/> on success.</summary>
    public SignInError Error { get; }

    /// <summary>True when a session was created and tokens issued.</summary>
    public bool Succeeded => Error == SignInError.None;

    /// <summary>The tokens for the client; null on failure.</summary>
    public IssuedTokens? Tokens { get; }

    /// <summary>The new session; null on failure.</summary>
    public SessionRecord? Session { get; }

    /// <summary>Sessions ended to make room (the per-user limit's <see cref="SessionLimitPolicy.EvictOldest"/>, or a store
    /// that evicts at capacity); empty otherwise.</summary>
    public IReadOnlyList<string> EndedSessionIds { get; }

    /// <summary>The stable code of <see cref="Error"/> (<c>invalid_credentials</c>, <c>session_limit_reached</c>,
    /// <c>temporarily_unavailable</c>); null on success.</summary>
    public string? ErrorCode => Error switch
    {
        SignInError.None => null,
        SignInError.SessionLimitReached => "session_limit_reached",
        SignInError.StoreFull => "temporarily_unavailable",
        _ => "invalid_credentials",
    };

    internal static SignInResult Fail(SignInError error) => new(error, null, null, null);
}
