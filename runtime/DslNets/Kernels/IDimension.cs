namespace DslNets.Kernels;

/// <summary>
/// A size known at compile time, as a type: kernels generic over dimensions (<c>DenseKernels.Forward&lt;TIn, TOut&gt;</c>)
/// are compiled by the JIT once per size pair, with every loop bound a constant. The generator emits one tiny
/// <c>readonly struct</c> per distinct size of a network (<c>Size784 : IDimension</c>).
/// </summary>
public interface IDimension
{
    /// <summary>The size (a positive constant).</summary>
    static abstract int Value { get; }
}
