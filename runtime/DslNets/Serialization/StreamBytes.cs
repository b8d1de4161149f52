using System;
using System.IO;

namespace DslNets.Serialization;

/// <summary>Reading a known number of bytes from any stream without trusting a length field for the allocation.</summary>
internal static class StreamBytes
{
    private const int Chunk = 1 << 20;

    /// <summary>
    /// Reads up to <paramref name="count"/> bytes and returns what was there (fewer at the end of the stream). Grows
    /// the buffer as data actually arrives, so a corrupt length field cannot make it allocate gigabytes up front.
    /// </summary>
    public static byte[] ReadUpTo(Stream stream, long count)
    {
        if (count <= 0)
            return [];
        if (count > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Cannot read more than {Array.MaxLength} bytes into memory.");
        var buffer = new byte[(int)Math.Min(count, Chunk)];
        int filled = 0;
        while (filled < count)
        {
            if (filled == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(count, (long)buffer.Length * 2));
            int read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
                break;
            filled += read;
        }

        if (filled != buffer.Length)
            Array.Resize(ref buffer, filled);
        return buffer;
    }

    /// <summary>Whether the stream has at least one more byte (consumes it).</summary>
    public static bool HasMore(Stream stream) => stream.ReadByte() != -1;
}
