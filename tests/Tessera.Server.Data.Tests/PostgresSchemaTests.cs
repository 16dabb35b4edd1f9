using Tessera.Server.Data.Tests.Fixtures;
using Tessera.Server.Keys;
using Tessera.Server.Postgres;
using Tessera.Server.Users;

namespace Tessera.Server.Data.Tests;

/// <summary>The PostgreSQL schema: created at start-up, versioned, safe when nodes start at once, untouched when current.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSchemaTests(PostgresServerFixture postgres)
{
    private PostgresServer Server => postgres.Server;

    [Fact]
    public async Task Open_OnAnEmptyDatabase_CreatesTheCurrentSchema()
    {
        string connectionString = await Server.CreateDatabaseAsync();
        string database = DatabaseOf(connectionString);

        await using (await PostgresUserDatabase.OpenAsync(connectionString, TimeProvider.System, default))
        {
        }

        Assert.Equal("2", await Server.PsqlAsync(database, "SELECT version FROM tessera_schema;"));
        Assert.Equal("tessera_schema\ntessera_signing_keys\ntessera_users", await Server.PsqlAsync(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1;"));
        Assert.Equal(
            """CREATE UNIQUE INDEX tessera_users_user_name_key ON public.tessera_users USING btree (lower((user_name COLLATE "C")))""",
            await Server.PsqlAsync(database, "SELECT indexdef FROM pg_indexes WHERE indexname = 'tessera_users_user_name_key';"));
        Assert.Equal(PostgresSchema.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), await Server.PsqlAsync(database, "SELECT max(version) FROM tessera_schema;"));
    }

    [Fact]
    public async Task Open_OnAVersion1Database_MigratesToVersion2KeepingTheUsers()
    {
        string connectionString = await Server.CreateDatabaseAsync();
        string database = DatabaseOf(connectionString);
        // What a version-1 server left behind: users, no key table.
        await Server.PsqlAsync(database, """
            CREATE TABLE tessera_schema (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version integer NOT NULL);
            INSERT INTO tessera_schema (version) VALUES (1);
            CREATE TABLE tessera_users (id text PRIMARY KEY, user_name text NOT NULL, password_hash text NOT NULL, roles text[] NOT NULL,
                disabled boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL);
            CREATE UNIQUE INDEX tessera_users_user_name_key ON tessera_users (lower(user_name COLLATE "C"));
            INSERT INTO tessera_users VALUES ('u-0123456789abcdef', 'alice', 'h', '{admin}', false, now());
            """);

        await using (PostgresSigningKeyStore keys = await PostgresSigningKeyStore.OpenAsync(connectionString, default))
        {
            Assert.Empty(await keys.ListAsync(default));
        }

        Assert.Equal("2", await Server.PsqlAsync(database, "SELECT version FROM tessera_schema;"));
        await using PostgresUserDatabase users = await PostgresUserDatabase.OpenAsync(connectionString, TimeProvider.System, default);
        Assert.Equal("u-0123456789abcdef", (await users.FindAsync("ALICE", default))?.Id);
    }

    [Fact]
    public async Task Open_ByNodesStartingAtOnceOnAnEmptyDatabase_AllSucceedAndTheSchemaIsCreatedOnce()
    {
        for (int round = 0; round < 3; round++)
        {
            string connectionString = await Server.CreateDatabaseAsync();
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task<PostgresUserDatabase>[] nodes = [.. Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                await start.Task;
                return await PostgresUserDatabase.OpenAsync(connectionString, TimeProvider.System, default);
            }))];
            start.SetResult();

            PostgresUserDatabase[] opened = await Task.WhenAll(nodes);
            try
            {
                string database = DatabaseOf(connectionString);
                Assert.Equal("1|2", await Server.PsqlAsync(database, "SELECT count(*), max(version) FROM tessera_schema;"));
                Assert.Equal("3", await Server.PsqlAsync(database, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'tessera%';"));

                // Every node works on the one schema.
                UserRecord alice = (await opened[0].AddAsync("alice", "h", [], default))!;
                foreach (PostgresUserDatabase node in opened)
                {
                    Assert.Equal(alice.Id, (await node.FindAsync("ALICE", default))?.Id);
                    Assert.Null(await node.AddAsync("Alice", "h", [], default));
                }
            }
            finally
            {
                foreach (PostgresUserDatabase node in opened)
                {
                    await node.DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public async Task Open_OnACurrentSchema_ChangesNothing()
    {
        string connectionString = await Server.CreateDatabaseAsync();
        string database = DatabaseOf(connectionString);
        await using (PostgresUserDatabase first = await PostgresUserDatabase.OpenAsync(connectionString, TimeProvider.System, default))
        {
            await first.AddAsync("alice", "h", ["admin"], default);
        }

        // xmin is the transaction that last wrote a row; oid and relfilenode change when an object is re-created or rewritten.
        const string Snapshot = """
            SELECT (SELECT string_agg(xmin::text || ':' || version, ',') FROM tessera_schema)
                || ' ' || (SELECT string_agg(xmin::text || ':' || user_name, ',') FROM tessera_users)
                || ' ' || (SELECT string_agg(relname || ':' || oid || ':' || relfilenode, ',' ORDER BY relname)
                           FROM pg_class WHERE relnamespace = 'public'::regnamespace);
            """;
        string before = await Server.PsqlAsync(database, Snapshot);

        for (int restart = 0; restart < 2; restart++)
        {
            await using PostgresUserDatabase again = await PostgresUserDatabase.OpenAsync(connectionString, TimeProvider.System, default);
            Assert.Equal(1, await again.CountAsync(default));
        }

        Assert.Equal(before, await Server.PsqlAsync(database, Snapshot));
        Assert.Contains("tessera_users_user_name_key", before, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_OnASchemaNewerThanThisServer_IsRefusedAndChangesNothing()
    {
        string connectionString = await Server.CreateDatabaseAsync();
        string database = DatabaseOf(connectionString);
        await using (await PostgresUserDatabase.OpenAsync(connectionString, TimeProvider.System, default))
        {
        }

        await Server.PsqlAsync(database, "UPDATE tessera_schema SET version = 3;");

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresUserDatabase.OpenAsync(connectionString, TimeProvider.System, default));

        Assert.Contains("schema version 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("this server knows 2", error.Message, StringComparison.Ordinal);
        Assert.Equal("3", await Server.PsqlAsync(database, "SELECT version FROM tessera_schema;"));
    }

    [Fact]
    public async Task Open_OnACurrentSchema_NeedsNoCreatePrivilege()
    {
        string connectionString = await Server.CreateDatabaseAsync();
        string database = DatabaseOf(connectionString);
        await using (await PostgresUserDatabase.OpenAsync(connectionString, TimeProvider.System, default))
        {
        }

        // A role that may read and write the tables but create nothing (PostgreSQL 15+ grants no CREATE on public).
        string role = "app_" + database;
        await Server.PsqlAsync(database, $"""
            CREATE ROLE {role} LOGIN;
            REVOKE CREATE ON SCHEMA public FROM PUBLIC;
            GRANT SELECT ON tessera_schema TO {role};
            GRANT SELECT, INSERT, UPDATE ON tessera_users TO {role};
            GRANT SELECT, INSERT, DELETE ON tessera_signing_keys TO {role};
            """);
        string asApp = connectionString.Replace("Username=postgres", $"Username={role}", StringComparison.Ordinal);

        await using PostgresUserDatabase users = await PostgresUserDatabase.OpenAsync(asApp, TimeProvider.System, default);

        Assert.NotNull(await users.AddAsync("alice", "h", [], default));
        Assert.Equal(1, await users.CountAsync(default));
    }

    [Fact]
    public async Task Open_OnAnEmptyDatabaseWithoutCreatePrivilege_FailsNamingTheServer()
    {
        string connectionString = await Server.CreateDatabaseAsync();
        string database = DatabaseOf(connectionString);
        string role = "ro_" + database;
        await Server.PsqlAsync(database, $"CREATE ROLE {role} LOGIN; REVOKE CREATE ON SCHEMA public FROM PUBLIC;");
        string asReader = connectionString.Replace("Username=postgres", $"Username={role}", StringComparison.Ordinal);

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresUserDatabase.OpenAsync(asReader, TimeProvider.System, default));

        Assert.Contains($"Database={database}", error.Message, StringComparison.Ordinal);
        Assert.Contains("permission denied", error.Message, StringComparison.Ordinal);
        Assert.Equal("", await Server.PsqlAsync(database, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'tessera%';")); // rolled back whole
    }

    [Fact]
    public async Task Open_AMissingDatabase_IsAClearStartUpError()
    {
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => PostgresUserDatabase.OpenAsync(Server.ConnectionStringFor("no_such_database"), TimeProvider.System, default));

        Assert.Contains("could not be opened", error.Message, StringComparison.Ordinal);
        Assert.Contains("Database=no_such_database", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    private static string DatabaseOf(string connectionString) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!;
}
