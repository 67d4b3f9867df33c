namespace NetGen.Generator;

/// <summary>The names of the pipeline's steps, so tests can check what each step did on a second run.</summary>
internal static class TrackingNames
{
    public const string NetworkParseResults = nameof(NetworkParseResults);
    public const string NetworkSpecs = nameof(NetworkSpecs);
    public const string NetworkDiagnostics = nameof(NetworkDiagnostics);
    public const string LayersWithoutNetwork = nameof(LayersWithoutNetwork);
    public const string DifferentiableParseResults = nameof(DifferentiableParseResults);
    public const string DifferentiableSpecs = nameof(DifferentiableSpecs);
    public const string DifferentiableDiagnostics = nameof(DifferentiableDiagnostics);
}
