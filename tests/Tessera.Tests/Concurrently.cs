namespace Tessera.Tests;

/// <summary>Starts calls at the same instant, for race tests.</summary>
internal static class Concurrently
{
    /// <summary>
    /// Runs <paramref name="count"/> calls on thread-pool threads released together by a barrier, so that they
    /// really overlap, and returns their results in call order.
    /// </summary>
    public static async Task<T[]> RunTogetherAsync<T>(int count, Func<int, Task<T>> action)
    {
        // Every participant blocks at the barrier until all have arrived: make sure the pool has the threads.
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        if (workers < count + 4)
        {
            ThreadPool.SetMinThreads(count + 4, completionPorts);
        }

        using var barrier = new Barrier(count);
        var tasks = new Task<T>[count];
        for (int i = 0; i < count; i++)
        {
            int index = i;
            tasks[i] = Task.Run(() =>
            {
                barrier.SignalAndWait();
                return action(index);
            });
        }

        return await Task.WhenAll(tasks);
    }
}
