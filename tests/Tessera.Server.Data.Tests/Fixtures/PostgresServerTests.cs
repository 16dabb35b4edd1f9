namespace Tessera.Server.Data.Tests.Fixtures;

/// <summary>The fixture itself: a server of its own starts, answers, and leaves neither a process nor a folder behind.</summary>
public sealed class PostgresServerTests
{
    [Fact]
    public async Task Start_AnswersOnLoopback_AndDispose_StopsItAndDeletesItsFolder()
    {
        PostgresServer server = await PostgresServer.StartAsync();
        int pid;
        string folder;
        try
        {
            pid = server.ProcessId;
            folder = server.Folder;
            Assert.True(pid > 0);
            Assert.Equal("127.0.0.1", await server.PsqlAsync("postgres", "SHOW listen_addresses;"));
            Assert.Equal(server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), await server.PsqlAsync("postgres", "SHOW port;"));
            Assert.Equal("UTF8", await server.PsqlAsync("postgres", "SHOW server_encoding;"));

            string one = await server.CreateDatabaseAsync();
            string two = await server.CreateDatabaseAsync();
            Assert.NotEqual(one, two);
            await using var connection = new Npgsql.NpgsqlConnection(one);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'public';", connection);
            Assert.Equal(0L, await command.ExecuteScalarAsync()); // empty
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.False(Directory.Exists(folder));
        Assert.False(File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains(folder, StringComparison.Ordinal));
    }

    [Fact]
    public void MissingPostgres_IsAFailureThatSaysHowToInstallIt()
    {
        string empty = Directory.CreateTempSubdirectory("tessera-nopg-").FullName;
        try
        {
            InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => PostgresBinaries.Find(empty));

            Assert.Contains("./test.sh", error.Message, StringComparison.Ordinal);
            Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public void Binaries_AreDebians()
    {
        Assert.StartsWith("/usr/lib/postgresql/", PostgresBinaries.Require(), StringComparison.Ordinal);
    }
}
