using System.Reflection;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Validators;

namespace Tessera.Benchmarks;

/// <summary>
/// BenchmarkDotNet's <see cref="ExecutionValidator"/>, aware of targeted setups: runs every benchmark once in this
/// process, after the <c>[GlobalSetup]</c> that BenchmarkDotNet itself would run for it, before anything is built,
/// so that a broken comparison stops the run in seconds with its reason.
/// </summary>
/// <remarks>
/// BenchmarkDotNet's own validator refuses a class with more than one <c>[GlobalSetup]</c>, even when each has its
/// own <c>Targets</c>. The session benchmarks need them: each stack populates a million sessions for its own
/// benchmarks only, so the other stack's never shares the heap. Here benchmarks are grouped by class and by the
/// setup method BenchmarkDotNet resolved for them (<see cref="Descriptor.GlobalSetupMethod"/>); each group gets a new
/// instance, its setup, every benchmark once, and its <c>[GlobalCleanup]</c>. A class with one untargeted setup is
/// one group, exactly as before.
/// </remarks>
internal sealed class TargetedExecutionValidator : IValidator
{
    /// <summary>The instance that fails the run on any error.</summary>
    public static readonly TargetedExecutionValidator FailOnError = new();

    private TargetedExecutionValidator()
    {
    }

    /// <inheritdoc/>
    public bool TreatsWarningsAsErrors => true;

    /// <inheritdoc/>
    public IEnumerable<ValidationError> Validate(ValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(validationParameters);
        var errors = new List<ValidationError>();
        foreach (IGrouping<(Type Type, MethodInfo? Setup), BenchmarkCase> group in validationParameters.Benchmarks
            .GroupBy(b => (b.Descriptor.Type, b.Descriptor.GlobalSetupMethod)))
        {
            BenchmarkCase first = group.First();
            string typeName = group.Key.Type.Name;
            object instance;
            try
            {
                instance = Activator.CreateInstance(group.Key.Type)!;
                SetParameters(instance, first);
            }
            catch (Exception ex)
            {
                errors.Add(new ValidationError(true, $"Unable to create an instance of {typeName}: {Describe(ex)}", first));
                continue;
            }

            if (!TryInvoke(group.Key.Setup, instance, $"[GlobalSetup] {typeName}.{group.Key.Setup?.Name}", first, errors))
            {
                continue;
            }

            foreach (BenchmarkCase benchmark in group)
            {
                TryInvoke(benchmark.Descriptor.WorkloadMethod, instance, $"benchmark '{benchmark.DisplayInfo}'", benchmark, errors);
            }

            TryInvoke(first.Descriptor.GlobalCleanupMethod, instance, $"[GlobalCleanup] {typeName}", first, errors);
        }

        return errors;
    }

    private static void SetParameters(object instance, BenchmarkCase benchmark)
    {
        foreach (var parameter in benchmark.Parameters.Items)
        {
            Type type = instance.GetType();
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static;
            if (type.GetProperty(parameter.Name, flags) is { } property)
            {
                property.SetValue(property.GetMethod!.IsStatic ? null : instance, parameter.Value);
            }
            else if (type.GetField(parameter.Name, flags) is { } field)
            {
                field.SetValue(field.IsStatic ? null : instance, parameter.Value);
            }
        }
    }

    private static bool TryInvoke(MethodInfo? method, object instance, string what, BenchmarkCase benchmark, List<ValidationError> errors)
    {
        if (method is null)
        {
            return true;
        }

        try
        {
            object? result = method.Invoke(instance, null);
            switch (result)
            {
                case Task task:
                    task.GetAwaiter().GetResult();
                    break;
                case ValueTask valueTask:
                    valueTask.AsTask().GetAwaiter().GetResult();
                    break;
                default:
                    if (result?.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(ValueTask<>))
                    {
                        ((Task)type.GetMethod(nameof(ValueTask<int>.AsTask))!.Invoke(result, null)!).GetAwaiter().GetResult();
                    }

                    break;
            }

            return true;
        }
        catch (Exception ex)
        {
            errors.Add(new ValidationError(true, $"Failed to execute {what}: {Describe(ex)}", benchmark));
            return false;
        }
    }

    private static string Describe(Exception ex) =>
        (ex is TargetInvocationException { InnerException: { } inner } ? inner : ex).Message;
}
