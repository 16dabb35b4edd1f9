using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Tessera.Credentials;
using Tessera.Server.Users;

namespace Tessera.Server.Data.Tests;

/// <summary>
/// The <see cref="IUserDatabase"/> contract, run against every implementation (SQLite and PostgreSQL): each clause of
/// its doc comments is a test here. Each test starts on an empty database of its own.
/// </summary>
public abstract partial class UserDatabaseContractTests : IAsyncLifetime
{
    /// <summary>Whole seconds plus 1234567 ticks: sub-microsecond digits that PostgreSQL cannot keep.</summary>
    private static readonly DateTimeOffset s_start = DateTimeOffset.FromUnixTimeSeconds(1_750_000_000).AddTicks(1_234_567);

    private readonly List<IUserDatabase> _opened = [];
    private IUserDatabase? _users;

    protected FakeTimeProvider Time { get; } = new(s_start);

    private protected IUserDatabase Users => _users ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _users = await OpenAsync();

    public async Task DisposeAsync()
    {
        foreach (IUserDatabase users in _opened)
        {
            await users.DisposeAsync();
        }

        await DeleteStorageAsync();
    }

    /// <summary>Opens an instance on this test's storage: empty on the first call; the same storage on later calls (another node, the CLI, a restart).</summary>
    private protected abstract Task<IUserDatabase> OpenStorageAsync(TimeProvider time);

    /// <summary>Removes this test's storage once every instance is disposed.</summary>
    protected abstract Task DeleteStorageAsync();

    [Fact]
    public async Task Add_ReturnsAnEnabledUserWithANewIdTheNameAsGivenAndTheRolesInOrder()
    {
        UserRecord? user = await Users.AddAsync("Alice", "hash-1", ["b", "a", "b"], default);

        Assert.NotNull(user);
        Assert.Matches(IdPattern(), user.Id);
        Assert.Equal("Alice", user.UserName);
        Assert.Equal(["b", "a", "b"], user.Roles);
        Assert.False(user.Disabled);
        Assert.Equal(TimeSpan.Zero, user.CreatedAt.Offset);
        Assert.True(user.CreatedAt <= s_start && s_start - user.CreatedAt < TimeSpan.FromMicroseconds(1), $"{user.CreatedAt:O} is not the clock's {s_start:O}");
    }

    [Fact]
    public async Task Add_GivesEveryUserAnotherId()
    {
        UserRecord a = (await Users.AddAsync("a", "h", [], default))!;
        UserRecord b = (await Users.AddAsync("b", "h", [], default))!;

        Assert.NotEqual(a.Id, b.Id);
    }

    [Fact]
    public async Task Add_ThenFind_ReadsBackTheRecordThatAddReturned()
    {
        UserRecord added = (await Users.AddAsync("Alice", "hash-1", ["admin", "ops"], default))!;
        Time.Advance(TimeSpan.FromHours(1));

        UserRecord? found = await Users.FindAsync("Alice", default);

        AssertSame(added, found);
        AssertSame(added, Assert.Single(await Users.ListAsync(default)));
    }

    [Fact]
    public async Task Add_CopiesTheRoles()
    {
        List<string> roles = ["a"];
        UserRecord user = (await Users.AddAsync("alice", "h", roles, default))!;
        roles.Add("b");

        Assert.Equal(["a"], user.Roles);
        Assert.Equal(["a"], (await Users.FindAsync("alice", default))!.Roles);
    }

    [Fact]
    public async Task Add_WithNoRoles_ReadsBackNoRoles()
    {
        await Users.AddAsync("alice", "h", [], default);

        Assert.Empty((await Users.FindAsync("alice", default))!.Roles);
        Assert.Empty((await Users.FindByNameAsync("alice", default))!.User.Roles);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("ALICE")]
    [InlineData("aLiCe")]
    public async Task Add_ANameTakenInAnyAsciiCase_ReturnsNullAndChangesNothing(string again)
    {
        UserRecord first = (await Users.AddAsync("Alice", "hash-1", ["admin"], default))!;

        Assert.Null(await Users.AddAsync(again, "hash-2", ["other"], default));

        Assert.Equal(1, await Users.CountAsync(default));
        AssertSame(first, await Users.FindAsync(again, default));
        Assert.Equal("hash-1", await Users.PasswordHashAsync(first.Id, default));
    }

    [Fact]
    public async Task Add_NonAsciiLettersCompareExactly_AsciiOnesIgnoringCase()
    {
        UserRecord upper = (await Users.AddAsync("Émile", "h1", [], default))!;
        UserRecord lower = (await Users.AddAsync("émile", "h2", [], default))!;

        Assert.NotEqual(upper.Id, lower.Id);
        Assert.Equal(upper.Id, (await Users.FindAsync("ÉMILE", default))?.Id);
        Assert.Equal(lower.Id, (await Users.FindAsync("éMILE", default))?.Id);
        Assert.Null(await Users.AddAsync("ÉMILE", "h3", [], default));
        Assert.Equal(2, await Users.CountAsync(default));
    }

    [Fact]
    public async Task Add_NamesAreNotTrimmedOrOtherwiseChanged()
    {
        Assert.NotNull(await Users.AddAsync("alice", "h", [], default));
        Assert.NotNull(await Users.AddAsync(" alice", "h", [], default));
        Assert.NotNull(await Users.AddAsync("o'brien; DROP TABLE users; --", "h", [], default));

        Assert.Equal(" alice", (await Users.FindAsync(" ALICE", default))?.UserName);
        Assert.Equal("o'brien; DROP TABLE users; --", (await Users.FindAsync("O'BRIEN; drop table USERS; --", default))?.UserName);
        Assert.Null(await Users.FindAsync("alice ", default));
    }

    [Fact]
    public async Task Add_ConcurrentlyWithOneNameInDifferentCases_ExactlyOneSucceeds()
    {
        string[] spellings = ["bob", "BOB", "Bob", "bOb", "boB", "BOb", "bOB", "BoB"];
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<UserRecord?>[] adds = [.. spellings.Select(name => Task.Run(async () =>
        {
            await start.Task;
            return await Users.AddAsync(name, "h-" + name, [], default);
        }))];
        start.SetResult();

        UserRecord?[] results = await Task.WhenAll(adds);

        UserRecord winner = Assert.Single(results, r => r is not null)!;
        Assert.Equal(1, await Users.CountAsync(default));
        AssertSame(winner, await Users.FindAsync("bob", default));
        Assert.Equal("h-" + winner.UserName, await Users.PasswordHashAsync(winner.Id, default));
    }

    [Fact]
    public async Task List_OfAnEmptyDatabase_IsEmpty() => Assert.Empty(await Users.ListAsync(default));

    [Fact]
    public async Task List_ReturnsEveryUserDisabledOnesIncluded_OrderedByNameIgnoringAsciiCase()
    {
        foreach (string name in (string[])["carol", "Zed", "bob", "Alice", "a_b", "alex"])
        {
            await Users.AddAsync(name, "h", [], default);
        }

        await Users.SetDisabledAsync("bob", true, default);

        IReadOnlyList<UserRecord> users = await Users.ListAsync(default);

        // Folded to lower case, '_' (0x5F) sorts before the letters: "a_b" < "alex" < "alice".
        Assert.Equal(["a_b", "alex", "Alice", "bob", "carol", "Zed"], users.Select(u => u.UserName));
        Assert.True(users.Single(u => u.UserName == "bob").Disabled);
    }

    [Fact]
    public async Task Find_AnUnknownName_ReturnsNull()
    {
        await Users.AddAsync("alice", "h", [], default);

        Assert.Null(await Users.FindAsync("bob", default));
        Assert.Null(await Users.FindAsync("alic", default));
        Assert.Null(await Users.FindAsync("", default));
    }

    [Fact]
    public async Task PasswordHash_ById_AndNullForAnUnknownId()
    {
        UserRecord alice = (await Users.AddAsync("alice", "hash-a", [], default))!;
        UserRecord bob = (await Users.AddAsync("bob", "hash-b", [], default))!;

        Assert.Equal("hash-a", await Users.PasswordHashAsync(alice.Id, default));
        Assert.Equal("hash-b", await Users.PasswordHashAsync(bob.Id, default));
        Assert.Null(await Users.PasswordHashAsync("u-0000000000000000", default));
        Assert.Null(await Users.PasswordHashAsync("alice", default)); // a name is not an id
    }

    [Fact]
    public async Task PasswordHash_IdsCompareExactly()
    {
        UserRecord alice = (await Users.AddAsync("alice", "hash-a", [], default))!;

        Assert.Null(await Users.PasswordHashAsync(alice.Id.ToUpperInvariant(), default));
        Assert.Null(await Users.PasswordHashAsync(alice.Id + " ", default));
    }

    [Fact]
    public async Task Names_OfAPageOfIds_MapsEachKnownIdToItsName_LeavingOutUnknownOnesAndRepeats()
    {
        UserRecord alice = (await Users.AddAsync("Alice", "h", [], default))!;
        UserRecord bob = (await Users.AddAsync("bob", "h", [], default))!;
        await Users.AddAsync("carol", "h", [], default);

        IReadOnlyDictionary<string, string> names = await Users.NamesAsync([bob.Id, "u-0000000000000000", alice.Id, bob.Id, alice.Id.ToUpperInvariant()], default);

        Assert.Equal(2, names.Count);
        Assert.Equal("Alice", names[alice.Id]);
        Assert.Equal("bob", names[bob.Id]);
        Assert.False(names.ContainsKey(alice.Id.ToUpperInvariant())); // ordinal keys
    }

    [Fact]
    public async Task Names_OfNoIds_IsEmpty()
    {
        await Users.AddAsync("alice", "h", [], default);

        Assert.Empty(await Users.NamesAsync([], default));
    }

    [Fact]
    public async Task Names_OfManyIds_AnswersInOneCall()
    {
        var ids = new List<string>();
        for (int i = 0; i < 120; i++)
        {
            ids.Add((await Users.AddAsync("user" + i, "h", [], default))!.Id);
        }

        ids.AddRange(Enumerable.Range(0, 500).Select(i => $"u-unknown{i}"));

        IReadOnlyDictionary<string, string> names = await Users.NamesAsync(ids, default);

        Assert.Equal(120, names.Count);
        Assert.Equal("user7", names[ids[7]]);
    }

    [Fact]
    public async Task SetDisabled_DisablesAndEnablesByNameInAnyAsciiCase()
    {
        UserRecord alice = (await Users.AddAsync("Alice", "h", ["admin"], default))!;

        Assert.True(await Users.SetDisabledAsync("ALICE", true, default));
        Assert.True((await Users.FindAsync("alice", default))!.Disabled);
        Assert.True((await Users.FindByNameAsync("alice", default))!.IsDisabled);

        Assert.True(await Users.SetDisabledAsync("alice", false, default));
        UserRecord enabled = (await Users.FindAsync("Alice", default))!;
        Assert.False(enabled.Disabled);
        AssertSame(alice, enabled); // nothing else changed
    }

    [Fact]
    public async Task SetDisabled_IsIdempotent_AndTouchesNoOtherUser()
    {
        await Users.AddAsync("alice", "h", [], default);
        await Users.AddAsync("bob", "h", [], default);

        Assert.True(await Users.SetDisabledAsync("alice", true, default));
        Assert.True(await Users.SetDisabledAsync("alice", true, default));
        Assert.True(await Users.SetDisabledAsync("bob", false, default));

        Assert.True((await Users.FindAsync("alice", default))!.Disabled);
        Assert.False((await Users.FindAsync("bob", default))!.Disabled);
    }

    [Fact]
    public async Task SetDisabled_OfAnUnknownUser_ReturnsFalse()
    {
        await Users.AddAsync("alice", "h", [], default);

        Assert.False(await Users.SetDisabledAsync("bob", true, default));
        Assert.False((await Users.FindAsync("alice", default))!.Disabled);
    }

    [Fact]
    public async Task SetPasswordHash_ByNameInAnyAsciiCase_ReplacesOnlyThatUsersHash()
    {
        UserRecord alice = (await Users.AddAsync("Alice", "old", [], default))!;
        UserRecord bob = (await Users.AddAsync("bob", "bob-hash", [], default))!;

        Assert.True(await Users.SetPasswordHashAsync("aLICE", "new", default));

        Assert.Equal("new", await Users.PasswordHashAsync(alice.Id, default));
        Assert.Equal("new", (await Users.FindByNameAsync("alice", default))!.PasswordHash);
        Assert.Equal("bob-hash", await Users.PasswordHashAsync(bob.Id, default));
    }

    [Fact]
    public async Task SetPasswordHash_OfAnUnknownUser_ReturnsFalse()
    {
        UserRecord alice = (await Users.AddAsync("alice", "old", [], default))!;

        Assert.False(await Users.SetPasswordHashAsync("bob", "new", default));
        Assert.Equal("old", await Users.PasswordHashAsync(alice.Id, default));
    }

    [Fact]
    public async Task Count_CountsEveryUserDisabledOnesIncluded()
    {
        Assert.Equal(0, await Users.CountAsync(default));
        await Users.AddAsync("alice", "h", [], default);
        await Users.AddAsync("bob", "h", [], default);
        await Users.AddAsync("BOB", "h", [], default); // refused
        await Users.SetDisabledAsync("bob", true, default);

        Assert.Equal(2, await Users.CountAsync(default));
    }

    [Theory]
    [InlineData("Alice")]
    [InlineData("alice")]
    [InlineData("ALICE")]
    public async Task FindByName_TheLoginLookup_ReturnsTheUserTheirHashAndEnabledInAnyAsciiCase(string typed)
    {
        UserRecord alice = (await Users.AddAsync("Alice", "hash-a", ["admin", "ops"], default))!;
        await Users.AddAsync("bob", "hash-b", [], default);

        StoredCredential? credential = await Users.FindByNameAsync(typed, default);

        Assert.NotNull(credential);
        Assert.Equal(alice.Id, credential.User.Id);
        Assert.Equal("Alice", credential.User.Name); // as stored, not as typed
        Assert.Equal(["admin", "ops"], credential.User.Roles);
        Assert.Equal("hash-a", credential.PasswordHash);
        Assert.False(credential.IsDisabled);
    }

    [Fact]
    public async Task FindByName_AnUnknownUser_ReturnsNull()
    {
        await Users.AddAsync("alice", "h", [], default);

        Assert.Null(await Users.FindByNameAsync("bob", default));
        Assert.Null(await Users.FindByNameAsync("", default));
    }

    [Fact]
    public async Task FindByName_ADisabledUser_IsReturnedMarkedDisabled()
    {
        await Users.AddAsync("alice", "hash-a", [], default);
        await Users.SetDisabledAsync("alice", true, default);

        StoredCredential? credential = await Users.FindByNameAsync("ALICE", default);

        Assert.NotNull(credential);
        Assert.True(credential.IsDisabled);
        Assert.Equal("hash-a", credential.PasswordHash);
    }

    [Fact]
    public async Task UpdatePasswordHash_ById_ReplacesTheHash()
    {
        UserRecord alice = (await Users.AddAsync("alice", "old", [], default))!;
        UserRecord bob = (await Users.AddAsync("bob", "bob-hash", [], default))!;

        await Users.UpdatePasswordHashAsync(alice.Id, "rehashed", default);

        Assert.Equal("rehashed", (await Users.FindByNameAsync("alice", default))!.PasswordHash);
        Assert.Equal("bob-hash", await Users.PasswordHashAsync(bob.Id, default));
    }

    [Fact]
    public async Task UpdatePasswordHash_OfAnUnknownId_DoesNothingAndDoesNotThrow()
    {
        UserRecord alice = (await Users.AddAsync("alice", "old", [], default))!;

        await Users.UpdatePasswordHashAsync("u-0000000000000000", "new", default);
        await Users.UpdatePasswordHashAsync(alice.Id.ToUpperInvariant(), "new", default);

        Assert.Equal("old", await Users.PasswordHashAsync(alice.Id, default));
        Assert.Equal(1, await Users.CountAsync(default));
    }

    [Fact]
    public async Task AnotherInstanceOnTheSameStorage_SeesEveryWriteAtOnce()
    {
        IUserDatabase other = await OpenAsync(); // another node, or the CLI next to a running server

        UserRecord alice = (await Users.AddAsync("alice", "h1", ["admin"], default))!;
        AssertSame(alice, await other.FindAsync("ALICE", default));
        Assert.Null(await other.AddAsync("Alice", "h", [], default));

        Assert.True(await other.SetDisabledAsync("alice", true, default));
        Assert.True((await Users.FindByNameAsync("alice", default))!.IsDisabled);

        Assert.True(await other.SetPasswordHashAsync("alice", "h2", default));
        Assert.Equal("h2", await Users.PasswordHashAsync(alice.Id, default));

        await Users.UpdatePasswordHashAsync(alice.Id, "h3", default);
        Assert.Equal("h3", (await other.FindByNameAsync("alice", default))!.PasswordHash);
        Assert.Equal(1, await other.CountAsync(default));
    }

    [Fact]
    public async Task Reopening_KeepsEveryUser()
    {
        UserRecord alice = (await Users.AddAsync("alice", "h1", ["admin"], default))!;
        await Users.AddAsync("bob", "h2", [], default);
        await Users.SetDisabledAsync("bob", true, default);
        await Users.DisposeAsync();
        _opened.Remove(Users);

        _users = await OpenAsync();

        AssertSame(alice, await Users.FindAsync("alice", default));
        Assert.True((await Users.FindAsync("bob", default))!.Disabled);
        Assert.Equal(2, await Users.CountAsync(default));
    }

    private async Task<IUserDatabase> OpenAsync()
    {
        IUserDatabase users = await OpenStorageAsync(Time);
        _opened.Add(users);
        return users;
    }

    private static void AssertSame(UserRecord expected, UserRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.UserName, actual.UserName);
        Assert.Equal(expected.Roles, actual.Roles);
        Assert.Equal(expected.Disabled, actual.Disabled);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.CreatedAt.Offset, actual.CreatedAt.Offset);
    }

    [GeneratedRegex("^u-[0-9a-f]{16}$")]
    private static partial Regex IdPattern();
}
