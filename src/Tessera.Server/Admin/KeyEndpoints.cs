using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Tessera.AspNetCore;
using Tessera.Server.Keys;

namespace Tessera.Server.Admin;

/// <summary>
/// The signing keys under <c>/admin/api/keys</c>: list them with what each does on this node, rotate, retire. A change
/// made on one node reaches the others through the shared key store within <c>Tessera:KeyRefreshInterval</c>.
/// </summary>
internal static class KeyEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/keys", ([FromServices] SigningKeyRing? ring) => ring is null
            ? NoRing()
            : Results.Json(ring.Records.Select(r => Describe(r, ring)).ToArray(), ServerJson.Default.KeyResponseArray));

        // Body (optional): {"activate_now": true} signs with the new key at once, for a key thought compromised; other
        // nodes then refuse its tokens until they refresh (at most one refresh interval). By default it signs after
        // Tessera:KeyActivationDelay, when every node and resource server has it.
        admin.MapPost("/keys", async (HttpContext context, [FromServices] SigningKeyRing? ring, CancellationToken ct) =>
        {
            if (ring is null)
            {
                return NoRing();
            }

            RotateKeyRequest? request = null;
            if (context.Request.ContentLength is not 0)
            {
                try
                {
                    request = await JsonSerializer.DeserializeAsync(context.Request.Body, ServerJson.Default.RotateKeyRequest, ct);
                }
                catch (JsonException)
                {
                    return TesseraProblems.Result(StatusCodes.Status400BadRequest, "invalid_request", "The body must be empty or {\"activate_now\": true|false}.");
                }
            }

            if (ring.Store.IsReadOnly)
            {
                return ReadOnly(ring);
            }

            SigningKeyRecord key = await ring.RotateAsync(request?.ActivateNow ?? false, ct);
            return Results.Json(Describe(key, ring), ServerJson.Default.KeyResponse, statusCode: StatusCodes.Status201Created);
        });

        admin.MapDelete("/keys/{kid}", async (string kid, [FromServices] SigningKeyRing? ring, CancellationToken ct) =>
        {
            if (ring is null)
            {
                return NoRing();
            }

            if (ring.Store.IsReadOnly)
            {
                return ReadOnly(ring);
            }

            return await ring.RetireAsync(kid, ct) switch
            {
                RetireResult.Retired => Results.NoContent(),
                RetireResult.SignsNow => TesseraProblems.Result(StatusCodes.Status409Conflict, "key_in_use", "This key signs now; rotate first."),
                _ => TesseraProblems.Result(StatusCodes.Status404NotFound, "not_found", "No signing key has that kid."),
            };
        });
    }

    private static KeyResponse Describe(SigningKeyRecord key, SigningKeyRing ring) =>
        new(key.KeyId, key.Algorithm.ToString(), ring.StateOf(key).ToString().ToLowerInvariant(), key.CreatedAt, key.ActivatesAt);

    private static IResult NoRing() =>
        TesseraProblems.Result(StatusCodes.Status409Conflict, "keys_not_used", "Tokens are signed with Tessera:HmacSecret; there are no signing keys to manage.");

    private static IResult ReadOnly(SigningKeyRing ring) =>
        TesseraProblems.Result(StatusCodes.Status409Conflict, "keys_read_only", $"The signing keys come from {ring.Store.Description}; change them there.");
}

internal sealed record RotateKeyRequest([property: JsonPropertyName("activate_now")] bool? ActivateNow);

internal sealed record KeyResponse(
    [property: JsonPropertyName("kid")] string KeyId,
    [property: JsonPropertyName("alg")] string Algorithm,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("activates_at")] DateTimeOffset ActivatesAt);
