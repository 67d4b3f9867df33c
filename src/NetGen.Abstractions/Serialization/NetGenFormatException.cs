using System;

namespace NetGen;

/// <summary>
/// A file that NetGen cannot accept: malformed, truncated, or made for a different network. The message names the
/// problem, and for an architecture mismatch the tensor and both shapes. The network is unchanged.
/// </summary>
public sealed class NetGenFormatException : Exception
{
    /// <summary>Creates the exception with a message that names the problem.</summary>
    public NetGenFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that revealed it.</summary>
    public NetGenFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
