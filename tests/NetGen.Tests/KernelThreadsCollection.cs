using Xunit;

namespace NetGen.Tests;

/// <summary>
/// The test classes that set the process-wide <see cref="Kernels.KernelThreads.MaxThreads"/>: xunit runs them one after
/// another, so that none sees another's setting (under load, a convolution meant to split over three threads ran while
/// another class had set one thread, and its check that the product splits failed).
/// </summary>
[CollectionDefinition(Name)]
public sealed class KernelThreadsCollection
{
    public const string Name = "KernelThreads.MaxThreads";

    /// <summary>
    /// Runs <paramref name="action"/> with <see cref="Kernels.KernelThreads.MaxThreads"/> set to
    /// <paramref name="threads"/> (whatever the processor count), then restores it. For the classes of this collection.
    /// </summary>
    public static void WithMaxThreads(int threads, System.Action action)
    {
        int saved = Kernels.KernelThreads.MaxThreads;
        Kernels.KernelThreads.MaxThreads = threads;
        try
        {
            action();
        }
        finally
        {
            Kernels.KernelThreads.MaxThreads = saved;
        }
    }
}
