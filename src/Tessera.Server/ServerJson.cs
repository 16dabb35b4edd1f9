using System.Text.Json.Serialization;

namespace Tessera.Server;

/// <summary>Source-generated JSON for the server's own bodies.</summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(Admin.CreateUserRequest))]
[JsonSerializable(typeof(Admin.StatsResponse))]
[JsonSerializable(typeof(Admin.AdminSession[]))]
[JsonSerializable(typeof(Admin.AdminSessionPage))]
[JsonSerializable(typeof(Admin.UserResponse))]
[JsonSerializable(typeof(Admin.UserResponse[]))]
[JsonSerializable(typeof(Admin.RotateKeyRequest))]
[JsonSerializable(typeof(Admin.KeyResponse))]
[JsonSerializable(typeof(Admin.KeyResponse[]))]
[JsonSerializable(typeof(Users.ChangePasswordRequest))]
internal sealed partial class ServerJson : JsonSerializerContext
{
}
