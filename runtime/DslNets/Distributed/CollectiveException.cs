using System;

namespace DslNets.Distributed;

/// <summary>
/// A collective could not complete: another rank failed or left, did not arrive within the timeout, called a
/// different collective or passed a different length, or the MPI library reported an error. The message names the
/// rank that saw it and the cause.
/// </summary>
public sealed class CollectiveException : Exception
{
    /// <summary>Creates the exception with a message naming the ranks involved.</summary>
    public CollectiveException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public CollectiveException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
