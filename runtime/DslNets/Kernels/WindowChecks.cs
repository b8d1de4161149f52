using System;

namespace DslNets.Kernels;

/// <summary>Argument checks of the window kernels (convolution, pooling, layout), with the dense kernels' wording.</summary>
internal static class WindowChecks
{
    public static void CheckLength(int actual, int required, string name)
    {
        if (actual < required)
            throw new ArgumentException($"'{name}' holds {actual} values; the kernel needs at least {required}.", name);
    }
}
