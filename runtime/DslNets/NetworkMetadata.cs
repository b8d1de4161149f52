namespace DslNets;

/// <summary>
/// The metadata keys every file DslNets writes carries (safetensors <c>__metadata__</c>, ONNX <c>metadata_props</c>),
/// so a file of either format names the network it came from the same way.
/// </summary>
public static class NetworkMetadata
{
    /// <summary>Metadata key holding the network's class name (<see cref="INetwork.Name"/>).</summary>
    public const string NetworkKey = "network";

    /// <summary>Metadata key holding the network's <see cref="INetwork.Fingerprint"/>; a load checks it.</summary>
    public const string FingerprintKey = "fingerprint";
}
