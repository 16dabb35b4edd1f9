// A minimal API on Tessera: POST /auth/login {"username":"alice","password":"alice-password"}, then call
// /api/orders with the access token (or, after /auth/login?mode=cookie, from a browser with the cookies).
using Microsoft.AspNetCore.Authorization;
using Tessera.AspNetCore;
using Tessera.Samples.AspNetCore;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Services.AddTessera()                                   // options from the "Tessera" section (appsettings.json)
    .AddCredentialStore<DemoUsers>();                            // your user database goes here
builder.Services.AddAuthentication(TesseraDefaults.AuthenticationScheme).AddTessera();
builder.Services.AddAuthorization();

WebApplication app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapTesseraEndpoints("/auth");

app.MapGet("/", () => Results.Json(new { hello = "world" }));
app.MapGet("/api/orders", [Authorize] (HttpContext context) =>
{
    int visits = int.TryParse(context.Session.GetString("visits"), out int n) ? n + 1 : 1;   // plain ISession code
    context.Session.SetString("visits", visits.ToString(System.Globalization.CultureInfo.InvariantCulture));
    return Results.Json(new { user = context.User.Identity!.Name, visits });
});
app.MapGet("/api/admin", [Authorize(Roles = "admin")] (HttpContext context) => Results.Json(new { admin = context.User.Identity!.Name }));

app.Run();

/// <summary>The entry point, for the integration tests' WebApplicationFactory.</summary>
public partial class Program;
