namespace DslNets.Generator;

/// <summary>Names of the incremental pipeline's steps, asserted on by the caching tests.</summary>
internal static class TrackingNames
{
    /// <summary>Each <c>[Network]</c> class parsed to a spec or, when invalid, to its placeholder and errors.</summary>
    public const string Parse = nameof(Parse);

    /// <summary>The specs of valid networks, the only input of emission.</summary>
    public const string ValidSpecs = nameof(ValidSpecs);

    /// <summary>The placeholder parts of invalid networks (their partial layer properties).</summary>
    public const string InvalidSpecs = nameof(InvalidSpecs);

    /// <summary>The errors of every network, collected, for the diagnostics output.</summary>
    public const string Errors = nameof(Errors);
}
