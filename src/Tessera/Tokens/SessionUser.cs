using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using Tessera.Jwt;
using Tessera.Sessions;

namespace Tessera.Tokens;

/// <summary>
/// A user whose credentials were already verified: what <see cref="SessionTokenService.SignInAsync"/> puts into the
/// session and its access tokens. Immutable; every value is checked when the instance is created.
/// </summary>
/// <remarks>
/// Access tokens carry <see cref="Id"/> as <c>sub</c>, <see cref="Name"/> as <c>name</c>, <see cref="Roles"/> as
/// <c>roles</c> (RFC 9068 §7.2.1.1) and each extra claim under its own name. They are captured at sign-in
/// and stay the same for the session's life, refreshes included: to change a user's roles, end their sessions.
/// </remarks>
public sealed class SessionUser
{
    /// <summary>The most bytes the name, roles and claims may take together, as the JSON object the session keeps.</summary>
    public const int MaxClaimsBytes = NewSession.MaxTokenClaimsBytes;

    // Names the service writes into each token itself (or that mean something to token consumers): a session's
    // claims never override them.
    private static readonly FrozenSet<string> s_serviceClaims = FrozenSet.Create(StringComparer.Ordinal,
        "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "sid", "typ", "alg", "kid", "cnf", "client_id", "scope");

    private readonly byte[] _tokenClaims;

    /// <summary>Creates a verified user.</summary>
    /// <param name="id">The stable user id (<c>sub</c>): 1 to 256 characters. Never reuse a deleted user's id.</param>
    /// <param name="name">The display or login name (<c>name</c>), or null.</param>
    /// <param name="roles">Role names (<c>roles</c>); none when null. Duplicates are dropped; order is kept.</param>
    /// <param name="claims">Further claims, any JSON value each; the names above and the registered JWT names are refused.</param>
    /// <exception cref="ArgumentException">An empty or too long id, an empty role, a reserved or empty claim name, or
    /// more than <see cref="MaxClaimsBytes"/> bytes of claims.</exception>
    public SessionUser(string id, string? name = null, IEnumerable<string>? roles = null, IEnumerable<KeyValuePair<string, JsonElement>>? claims = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (id.Length > NewSession.MaxUserIdLength)
        {
            throw new ArgumentException($"A user id is at most {NewSession.MaxUserIdLength} characters.", nameof(id));
        }

        string[] roleList = roles is null ? [] : [.. roles.Distinct(StringComparer.Ordinal)];
        if (roleList.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Role names must not be null or empty.", nameof(roles));
        }

        KeyValuePair<string, JsonElement>[] claimList = claims is null ? [] : [.. claims];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string claimName, JsonElement value) in claimList)
        {
            if (string.IsNullOrEmpty(claimName) || s_serviceClaims.Contains(claimName) || claimName is "name" or "roles" || !seen.Add(claimName))
            {
                throw new ArgumentException($"The claim name '{claimName}' is empty, reserved or repeated.", nameof(claims));
            }

            if (value.ValueKind == JsonValueKind.Undefined)
            {
                throw new ArgumentException($"The claim '{claimName}' has no value.", nameof(claims));
            }
        }

        Id = id;
        Name = name;
        Roles = roleList;
        _tokenClaims = Encode(name, roleList, claimList);
        if (_tokenClaims.Length > MaxClaimsBytes)
        {
            throw new ArgumentException($"The user's name, roles and claims take {_tokenClaims.Length} bytes; at most {MaxClaimsBytes} are allowed.", nameof(claims));
        }
    }

    /// <summary>The user id, the access token's <c>sub</c>.</summary>
    public string Id { get; }

    /// <summary>The user's name, the access token's <c>name</c>; null when not given.</summary>
    public string? Name { get; }

    /// <summary>The user's roles, the access token's <c>roles</c>; empty when none.</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>The claims object the session keeps and every access token repeats (<see cref="NewSession.TokenClaims"/>).</summary>
    internal ReadOnlyMemory<byte> TokenClaims => _tokenClaims;

    /// <summary>
    /// Writes <c>{"name":…,"roles":[…],…claims}</c>: the layout of <see cref="NewSession.TokenClaims"/> as this service
    /// writes it (version 1: a plain JSON object whose members are copied into each access token; no envelope, so any
    /// reader of a session can show them).
    /// </summary>
    private static byte[] Encode(string? name, string[] roles, KeyValuePair<string, JsonElement>[] claims)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (name is not null)
            {
                writer.WriteString("name", name);
            }

            if (roles.Length > 0)
            {
                writer.WriteStartArray("roles");
                foreach (string role in roles)
                {
                    writer.WriteStringValue(role);
                }

                writer.WriteEndArray();
            }

            foreach ((string claimName, JsonElement value) in claims)
            {
                writer.WritePropertyName(claimName);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Copies the members of a session's claims object into an access token being built.</summary>
    internal static void AddTo(JwtBuilder builder, ReadOnlyMemory<byte> tokenClaims)
    {
        if (tokenClaims.IsEmpty)
        {
            return;
        }

        using JsonDocument document = JsonDocument.Parse(tokenClaims);
        foreach (JsonProperty member in document.RootElement.EnumerateObject())
        {
            // A session created by other code could hold anything: never let it replace what the service writes.
            if (!s_serviceClaims.Contains(member.Name))
            {
                builder.Claim(member.Name, member.Value);
            }
        }
    }
}
