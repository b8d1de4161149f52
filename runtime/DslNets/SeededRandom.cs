using System;

namespace DslNets;

/// <summary>
/// A small, fast, allocation-free pseudo-random generator (xoshiro128**, seeded through SplitMix64). The same seed
/// gives the same sequence on every run and machine, which is what makes initialization and dropout masks
/// reproducible bit for bit.
/// </summary>
public struct SeededRandom
{
    private uint _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator from a 64-bit seed; <paramref name="stream"/> separates independent sequences from one seed.</summary>
    public SeededRandom(long seed, ulong stream = 0)
    {
        ulong x = unchecked((ulong)seed ^ (stream * 0xD1B54A32D192ED03UL));
        ulong a = SplitMix64(ref x);
        ulong b = SplitMix64(ref x);
        _s0 = (uint)a;
        _s1 = (uint)(a >> 32);
        _s2 = (uint)b;
        _s3 = (uint)(b >> 32);
        if ((_s0 | _s1 | _s2 | _s3) == 0)
            _s0 = 1;
    }

    /// <summary>Number of <see cref="uint"/> values in the state (<see cref="WriteState"/>, <see cref="FromState"/>).</summary>
    public const int StateLength = 4;

    /// <summary>Copies the generator's state into <paramref name="destination"/> (<see cref="StateLength"/> values).</summary>
    public readonly void WriteState(Span<uint> destination)
    {
        if (destination.Length < StateLength)
            throw new ArgumentException($"Expected destination.Length >= {StateLength}, got {destination.Length}.", nameof(destination));
        destination[0] = _s0;
        destination[1] = _s1;
        destination[2] = _s2;
        destination[3] = _s3;
    }

    /// <summary>Recreates a generator from a state written by <see cref="WriteState"/>.</summary>
    public static SeededRandom FromState(ReadOnlySpan<uint> state)
    {
        if (state.Length != StateLength)
            throw new ArgumentException($"Expected state.Length == {StateLength}, got {state.Length}.", nameof(state));
        if ((state[0] | state[1] | state[2] | state[3]) == 0)
            throw new ArgumentException("An all-zero state is not a valid xoshiro128** state.", nameof(state));
        return new SeededRandom { _s0 = state[0], _s1 = state[1], _s2 = state[2], _s3 = state[3] };
    }

    /// <summary>The next 32 random bits.</summary>
    public uint NextUInt32()
    {
        uint result = RotateLeft(_s1 * 5, 7) * 9;
        uint t = _s1 << 9;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 11);
        return result;
    }

    /// <summary>A uniform float in [0, 1) with 24 bits of resolution.</summary>
    public float NextSingle() => (NextUInt32() >> 8) * (1f / 16777216f);

    /// <summary>A uniform float in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public float NextSingle(float low, float high) => low + (high - low) * NextSingle();

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    public int NextInt32(int maxExclusive)
    {
        if (maxExclusive <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "The bound must be positive.");
        ulong product = (ulong)NextUInt32() * (uint)maxExclusive;
        uint low = (uint)product;
        if (low < (uint)maxExclusive)
        {
            uint threshold = (uint)-maxExclusive % (uint)maxExclusive;
            while (low < threshold)
            {
                product = (ulong)NextUInt32() * (uint)maxExclusive;
                low = (uint)product;
            }
        }

        return (int)(product >> 32);
    }

    /// <summary>A standard normal draw (Box-Muller; one of the pair is discarded so the state stays a plain value).</summary>
    public float NextGaussian()
    {
        // u1 in (0, 1] keeps the logarithm finite.
        double u1 = ((NextUInt32() >> 8) + 1) * (1.0 / 16777216.0);
        double u2 = (NextUInt32() >> 8) * (1.0 / 16777216.0);
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    private static uint RotateLeft(uint x, int k) => (x << k) | (x >> (32 - k));

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = unchecked(x += 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
