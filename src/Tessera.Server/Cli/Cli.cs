using System.Text;
using System.Text.Json;
using Tessera.Jwt;
using Tessera.Redis;
using Tessera.Server.Keys;
using Tessera.Server.Users;

namespace Tessera.Server;

/// <summary>
/// The command line of the same program: <c>user add|list|disable|enable|passwd</c>, <c>keys list|rotate|retire</c>,
/// <c>token decode &lt;jwt&gt;</c>. It works on the data folder directly (<c>Tessera__DataDir</c> or
/// <c>--Tessera:DataDir</c>, default <c>./data</c>) and on the user database and key store the server's settings name
/// (<c>Tessera__Database</c>, <c>Tessera__Postgres</c>, <c>Tessera__KeyStore</c>, or the same with <c>--Tessera:</c>); a
/// running server picks up users at once and keys within its <c>Tessera:KeyRefreshInterval</c>.
/// Exit codes: 0 done, 1 refused (e.g. unknown user), 2 bad usage.
/// </summary>
internal static class Cli
{
    private const string Usage = """
        usage: Tessera.Server [serve] [--urls URL]
               Tessera.Server user add <name> [--roles r1,r2]      (password from TESSERA_PASSWORD or standard input)
               Tessera.Server user list
               Tessera.Server user disable|enable <name>
               Tessera.Server user passwd <name>                   (new password from TESSERA_PASSWORD or standard input)
               Tessera.Server keys list | keys rotate [--now] | keys retire <kid>
               Tessera.Server token decode <jwt>
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args.Where(a => a.StartsWith("--Tessera", StringComparison.Ordinal)).ToArray()).Build();
        string[] words = [.. args.TakeWhile(a => !a.StartsWith("--Tessera", StringComparison.Ordinal))];
        if (words is ["help"] or ["--help"] or [])
        {
            output.WriteLine(Usage);
            return 0;
        }

        await using ServerData data = await ServerData.OpenAsync(configuration, TimeProvider.System, CancellationToken.None);
        var hasher = new IdentityPasswordHasher();
        CancellationToken ct = CancellationToken.None;
        switch (words)
        {
            case ["user", "add", string name, .. string[] rest]:
            {
                string[] roles;
                switch (rest)
                {
                    case []:
                        roles = [];
                        break;
                    case ["--roles", string list]:
                        roles = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                        break;
                    default:
                        // `--role admin` or a stray word must not create a user without the roles that were meant.
                        error.WriteLine($"Unexpected '{string.Join(' ', rest)}': use user add <name> [--roles a,b].");
                        return 2;
                }

                if (UserShape.SignInProblem(name, roles) is { } problem)
                {
                    error.WriteLine(problem);
                    return 2;
                }

                if (ReadPassword(error) is not { } password)
                {
                    return 2;
                }

                UserRecord? user = await data.Users.AddAsync(name, hasher.Hash(password), roles, ct);
                if (user is null)
                {
                    error.WriteLine($"A user named '{name}' exists.");
                    return 1;
                }

                output.WriteLine($"added {user.UserName} ({user.Id}) roles={string.Join(",", user.Roles)}");
                return 0;
            }

            case ["user", "list"]:
                foreach (UserRecord user in await data.Users.ListAsync(ct))
                {
                    output.WriteLine($"{user.UserName}\t{user.Id}\t{string.Join(",", user.Roles)}\t{(user.Disabled ? "disabled" : "active")}\t{user.CreatedAt:O}");
                }

                return 0;

            case ["user", "enable", string name]:
                if (!await data.Users.SetDisabledAsync(name, false, ct))
                {
                    error.WriteLine($"No user named '{name}'.");
                    return 1;
                }

                output.WriteLine($"enabled {name}");
                return 0;

            case ["user", "disable", string name]:
                if (!await data.Users.SetDisabledAsync(name, true, ct) || await data.Users.FindAsync(name, ct) is not { } disabled)
                {
                    error.WriteLine($"No user named '{name}'.");
                    return 1;
                }

                return await EndSessionsAsync(configuration, disabled, $"disabled {name}", output, error, ct);

            case ["user", "passwd", string name]:
            {
                if (ReadPassword(error) is not { } password)
                {
                    return 2;
                }

                if (!await data.Users.SetPasswordHashAsync(name, hasher.Hash(password), ct) || await data.Users.FindAsync(name, ct) is not { } changed)
                {
                    error.WriteLine($"No user named '{name}'.");
                    return 1;
                }

                // As the password endpoint does: whoever signed in with the old password is out (an admin resetting a
                // compromised account must not leave the intruder signed in).
                return await EndSessionsAsync(configuration, changed, $"password changed for {name}", output, error, ct);
            }

            case ["keys", "list"]:
            {
                IReadOnlyList<SigningKeyRecord> records = await data.Keys.ListAsync(ct);
                DateTimeOffset now = TimeProvider.System.GetUtcNow();
                SigningKeyRecord? signing = SigningKeyRing.ChooseSigningKey(records, now);
                foreach (SigningKeyRecord key in records)
                {
                    string state = SigningKeyRing.StateOf(key, signing, now).ToString().ToLowerInvariant();
                    output.WriteLine($"{key.KeyId}\t{key.Algorithm}\t{state}\tcreated {key.CreatedAt:O}\tsigns from {key.ActivatesAt:O}");
                }

                return 0;
            }

            case ["keys", "rotate", .. string[] rest] when rest is [] or ["--now"]:
            {
                if (data.Keys.IsReadOnly)
                {
                    error.WriteLine($"The signing keys come from {data.Keys.Description}; rotate them there.");
                    return 1;
                }

                SigningKeyRingOptions options = SigningKeyStoreSetup.RingOptions(configuration);
                SigningKeyRecord key = await SigningKeyRing.RotateAsync(data.Keys, options, TimeProvider.System, now: rest is ["--now"], ct);
                output.WriteLine(rest is ["--now"]
                    ? $"new signing key {key.KeyId}: it signs now; running servers switch to it within {options.RefreshInterval}, and older keys keep verifying"
                    : $"new signing key {key.KeyId}: every running server verifies it within {options.RefreshInterval} and signs with it from {key.ActivatesAt:O}; older keys keep verifying");
                return 0;
            }

            case ["keys", "retire", string kid]:
            {
                if (data.Keys.IsReadOnly)
                {
                    error.WriteLine($"The signing keys come from {data.Keys.Description}; remove the key there.");
                    return 1;
                }

                switch (await SigningKeyRing.RetireAsync(data.Keys, kid, TimeProvider.System.GetUtcNow(), ct))
                {
                    case RetireResult.Retired:
                        output.WriteLine($"retired {kid}: running servers stop accepting its tokens within {SigningKeyStoreSetup.RingOptions(configuration).RefreshInterval} (clients refresh to get new ones)");
                        return 0;
                    case RetireResult.SignsNow:
                        error.WriteLine($"{kid} is the key that signs now; rotate first (keys rotate --now to replace it at once).");
                        return 1;
                    default:
                        error.WriteLine($"No signing key has the kid '{kid}'.");
                        return 1;
                }
            }

            case ["token", "decode", string token]:
                return await DecodeAsync(token, data, output, error);

            default:
                error.WriteLine(Usage);
                return 2;
        }
    }

    /// <summary>Prints header and claims (unverified, for diagnostics) and whether the server's keys verify the signature.</summary>
    private static async Task<int> DecodeAsync(string token, ServerData data, TextWriter output, TextWriter error)
    {
        string[] parts = token.Split('.');
        if (parts.Length != 3)
        {
            error.WriteLine("Not a compact JWS (header.payload.signature).");
            return 1;
        }

        try
        {
            output.WriteLine("header:  " + Pretty(parts[0]));
            output.WriteLine("claims:  " + Pretty(parts[1]));
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            error.WriteLine("The header or payload is not base64url JSON.");
            return 1;
        }

        JwtKey[] keys = [.. (await data.Keys.ListAsync(CancellationToken.None)).Select(k => k.ToKey())];
        var validator = new JwtValidator(new JwtValidationOptions { ValidateIssuer = false, ValidateAudience = false, RequireExpirationTime = false, ClockSkew = TimeSpan.FromMinutes(5) }, new JwtKeySet(keys));
        JwtValidationResult result = validator.Validate(token);
        output.WriteLine(result.IsValid || result.Error is JwtError.Expired or JwtError.NotYetValid
            ? $"signature: verified by this server's keys{(result.IsValid ? "" : $" ({result.Error})")}"
            : $"signature: NOT verified ({result.Error})");
        foreach (JwtKey key in keys)
        {
            key.Dispose();
        }

        return result.IsValid ? 0 : 1;
    }

    private static string Pretty(string segment)
    {
        using JsonDocument document = JsonDocument.Parse(Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(segment)));
        return document.RootElement.GetRawText();
    }

    /// <summary>
    /// Ends the live sessions of a user just disabled or given a new password, where the CLI can reach them (sessions in
    /// Redis: every node refuses their tokens at the next request); with the in-memory store it says how to end them
    /// instead. <paramref name="done"/> is what the command changed, for its output.
    /// </summary>
    private static async Task<int> EndSessionsAsync(IConfiguration configuration, UserRecord user, string done, TextWriter output, TextWriter error, CancellationToken ct)
    {
        try
        {
            await using RedisSessionStore? sessions = await SessionStoreSetup.ConnectSharedStoreAsync(configuration);
            if (sessions is null)
            {
                output.WriteLine($"{done} (the sessions live in each server's memory: end them with DELETE /admin/api/users/{user.UserName}/sessions)");
                return 0;
            }

            IReadOnlyList<string> ended = await sessions.RemoveUserSessionsAsync(user.Id, exceptSessionId: null, ct);
            output.WriteLine($"{done} and ended {ended.Count} live session(s)");
            return 0;
        }
        catch (Exception e) when (SessionStoreSetup.IsStoreUnavailable(e))
        {
            error.WriteLine($"{done}, but Redis could not be reached to end their live sessions ({e.Message}); end them with DELETE /admin/api/users/{user.UserName}/sessions, or run this again.");
            return 1;
        }
    }

    private static string? ReadPassword(TextWriter error)
    {
        string? password = Environment.GetEnvironmentVariable("TESSERA_PASSWORD");
        if (string.IsNullOrEmpty(password) && Console.IsInputRedirected)
        {
            password = Console.In.ReadLine();
        }

        if (string.IsNullOrEmpty(password) || password.Length < 8)
        {
            error.WriteLine("Give a password of at least 8 characters in TESSERA_PASSWORD or on standard input.");
            return null;
        }

        return password;
    }
}
