using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Tessera.AspNetCore;

/// <summary>
/// RFC 9457 problem details with a stable <c>error</c> member (OAuth names where one exists), written directly so
/// every failure of the integration — and of apps that use this helper — has the same shape whatever the app
/// configured: <c>{"type":"about:blank","title","status","detail","error"}</c>, <c>Cache-Control: no-store</c>.
/// </summary>
public static class TesseraProblems
{
    /// <summary>Writes a problem response.</summary>
    /// <param name="context">The request.</param>
    /// <param name="status">The HTTP status.</param>
    /// <param name="error">The stable, machine-readable code.</param>
    /// <param name="detail">A sentence for people; never token text or secrets.</param>
    public static Task WriteAsync(HttpContext context, int status, string error, string detail)
    {
        HttpResponse response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/problem+json";
        response.Headers.CacheControl = "no-store";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "about:blank");
            writer.WriteString("title", Title(status));
            writer.WriteNumber("status", status);
            writer.WriteString("detail", detail);
            writer.WriteString("error", error);
            writer.WriteEndObject();
        }

        return response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).AsTask();
    }

    /// <summary>A problem as an endpoint result (see <see cref="WriteAsync"/>).</summary>
    public static IResult Result(int status, string error, string detail) => new ProblemResult(status, error, detail);

    private static string Title(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "Bad Request",
        StatusCodes.Status401Unauthorized => "Unauthorized",
        StatusCodes.Status403Forbidden => "Forbidden",
        StatusCodes.Status404NotFound => "Not Found",
        StatusCodes.Status413PayloadTooLarge => "Content Too Large",
        StatusCodes.Status429TooManyRequests => "Too Many Requests",
        StatusCodes.Status503ServiceUnavailable => "Service Unavailable",
        _ => "Error",
    };

    private sealed class ProblemResult(int status, string error, string detail) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, status, error, detail);
    }
}
