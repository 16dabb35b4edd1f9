using System.Net;

namespace Tessera.AspNetCore.Tests;

/// <summary>The per-client key of the login throttle: one key per IPv4 address and per IPv6 /64 network.</summary>
public sealed class LoginThrottleKeyTests
{
    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")] // a dual-stack socket's view of an IPv4 client
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")] // the same /64: the same key
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")] // the next /64: another key
    public void ClientKey_GroupsIPv6ByItsSlash64(string address, string key)
    {
        Assert.Equal(key, LoginThrottle.ClientKey(IPAddress.Parse(address)));
    }

    [Fact]
    public void ClientKey_NoAddress_IsOneSharedKey()
    {
        Assert.Equal("unknown", LoginThrottle.ClientKey(null));
    }
}
