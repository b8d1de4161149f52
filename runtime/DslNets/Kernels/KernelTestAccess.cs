using System.Runtime.CompilerServices;

// The kernel tests run every SIMD width the machine has (the internal DenseKernels.Forward<TSimd, ...> overloads)
// against a double-precision reference; the project file's InternalsVisibleTo list belongs to the runtime tests.
[assembly: InternalsVisibleTo("DslNets.Tests")]
