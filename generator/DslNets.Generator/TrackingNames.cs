namespace DslNets.Generator;

/// <summary>Names of the incremental pipeline's steps, asserted on by the caching tests.</summary>
internal static class TrackingNames
{
    /// <summary>Each <c>[Network]</c> class parsed to a spec (null for an invalid declaration).</summary>
    public const string Parse = nameof(Parse);

    /// <summary>The specs of valid networks, the only input of emission.</summary>
    public const string ValidSpecs = nameof(ValidSpecs);
}
