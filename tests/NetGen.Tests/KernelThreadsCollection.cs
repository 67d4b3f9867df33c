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
}
