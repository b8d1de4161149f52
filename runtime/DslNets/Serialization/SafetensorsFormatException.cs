using System;
using System.IO;

namespace DslNets.Serialization;

/// <summary>
/// A safetensors file is malformed or does not fit the network it is loaded into. Derives from
/// <see cref="IOException"/> because <see cref="InvalidDataException"/> is sealed.
/// </summary>
public sealed class SafetensorsFormatException : IOException
{
    /// <summary>Creates the exception; <paramref name="tensorName"/> names the offending tensor when there is one.</summary>
    public SafetensorsFormatException(string message, string? tensorName = null, Exception? innerException = null)
        : base(message, innerException)
    {
        TensorName = tensorName;
    }

    /// <summary>The tensor the problem is about, or null when it concerns the file as a whole.</summary>
    public string? TensorName { get; }
}
