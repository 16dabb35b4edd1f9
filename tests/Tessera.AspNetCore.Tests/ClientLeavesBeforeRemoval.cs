using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tessera.Sessions;

namespace Tessera.AspNetCore.Tests;

/// <summary>
/// A client that goes away at the worst moment: requests carrying <see cref="Header"/> get a RequestAborted that is
/// cancelled just before the store is asked to remove sessions, as a disconnect at that instant would.
/// </summary>
internal sealed class ClientLeavesBeforeRemoval : IStartupFilter, IDisposable
{
    public const string Header = "X-Test-Client-Leaves";

    private readonly CancellationTokenSource _aborted = new();

    /// <summary>True once the client has left.</summary>
    public bool Left => _aborted.IsCancellationRequested;

    /// <summary>Puts the store wrapper and the request hook into the app's services.</summary>
    public void Install(IServiceCollection services)
    {
        services.AddSingleton<IStartupFilter>(this);
        services.RemoveAll<ISessionStore>();
        services.AddSingleton<ISessionStore>(sp => RemovalHook.Wrap(
            new InMemorySessionStore(new InMemorySessionStoreOptions { CollectionInterval = TimeSpan.Zero }, sp.GetRequiredService<TimeProvider>()),
            _aborted.Cancel));
    }

    public void Dispose() => _aborted.Dispose();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Headers.ContainsKey(Header))
            {
                context.RequestAborted = _aborted.Token;
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}

/// <summary>A store that runs a callback before every removal, then forwards the call unchanged.</summary>
public class RemovalHook : DispatchProxy
{
    private ISessionStore _inner = null!;
    private Action _beforeRemoval = null!;

    public static ISessionStore Wrap(ISessionStore inner, Action beforeRemoval)
    {
        ISessionStore proxy = Create<ISessionStore, RemovalHook>();
        var self = (RemovalHook)(object)proxy;
        self._inner = inner;
        self._beforeRemoval = beforeRemoval;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod!.Name is nameof(ISessionStore.RemoveAsync) or nameof(ISessionStore.RemoveUserSessionsAsync))
        {
            _beforeRemoval();
        }

        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw(); // the store's own exception, as without the proxy
            throw;
        }
    }
}
