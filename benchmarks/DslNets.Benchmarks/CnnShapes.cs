using DslNets.Kernels;

namespace DslNets.Benchmarks;

// The BenchmarkCnn's layer geometry as the kernels' type arguments (what the generator emits for that network), for
// the benchmarks and the profile that call the convolution and pooling kernels alone.

/// <summary>Conv 28 x 28 x 1 -> 32, 3 x 3, same padding.</summary>
internal readonly struct CnnConv1Window : IWindow2D
{
    public static int Channels => 1; public static int InHeight => 28; public static int InWidth => 28;
    public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PaddingTop => 1; public static int PaddingLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1;
    public static int OutHeight => 28; public static int OutWidth => 28;
}

/// <summary>Max pool 2 over 28 x 28 x 32 -> 14 x 14.</summary>
internal readonly struct CnnPool1Window : IWindow2D
{
    public static int Channels => 32; public static int InHeight => 28; public static int InWidth => 28;
    public static int WindowHeight => 2; public static int WindowWidth => 2; public static int StrideHeight => 2; public static int StrideWidth => 2;
    public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
    public static int OutHeight => 14; public static int OutWidth => 14;
}

/// <summary>Conv 14 x 14 x 32 -> 64, 3 x 3, same padding.</summary>
internal readonly struct CnnConv2Window : IWindow2D
{
    public static int Channels => 32; public static int InHeight => 14; public static int InWidth => 14;
    public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PaddingTop => 1; public static int PaddingLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1;
    public static int OutHeight => 14; public static int OutWidth => 14;
}

/// <summary>Max pool 2 over 14 x 14 x 64 -> 7 x 7.</summary>
internal readonly struct CnnPool2Window : IWindow2D
{
    public static int Channels => 64; public static int InHeight => 14; public static int InWidth => 14;
    public static int WindowHeight => 2; public static int WindowWidth => 2; public static int StrideHeight => 2; public static int StrideWidth => 2;
    public static int PaddingTop => 0; public static int PaddingLeft => 0; public static int DilationHeight => 1; public static int DilationWidth => 1;
    public static int OutHeight => 7; public static int OutWidth => 7;
}

/// <summary>Few-channel convolutions for the Winograd rule's threshold (<c>--profile-cnn</c>): 28 x 28, 3 x 3, same padding.</summary>
internal readonly struct CnnFew3Window : IWindow2D
{
    public static int Channels => 3; public static int InHeight => 28; public static int InWidth => 28;
    public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PaddingTop => 1; public static int PaddingLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1;
    public static int OutHeight => 28; public static int OutWidth => 28;
}

/// <summary>As <see cref="CnnFew3Window"/> over 8 channels.</summary>
internal readonly struct CnnFew8Window : IWindow2D
{
    public static int Channels => 8; public static int InHeight => 28; public static int InWidth => 28;
    public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PaddingTop => 1; public static int PaddingLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1;
    public static int OutHeight => 28; public static int OutWidth => 28;
}

/// <summary>As <see cref="CnnFew3Window"/> over 16 channels.</summary>
internal readonly struct CnnFew16Window : IWindow2D
{
    public static int Channels => 16; public static int InHeight => 28; public static int InWidth => 28;
    public static int WindowHeight => 3; public static int WindowWidth => 3; public static int StrideHeight => 1; public static int StrideWidth => 1;
    public static int PaddingTop => 1; public static int PaddingLeft => 1; public static int DilationHeight => 1; public static int DilationWidth => 1;
    public static int OutHeight => 28; public static int OutWidth => 28;
}

internal readonly struct CnnSize8 : IDimension { public static int Value => 8; }
internal readonly struct CnnSize16 : IDimension { public static int Value => 16; }
internal readonly struct CnnSize27 : IDimension { public static int Value => 27; }
internal readonly struct CnnSize72 : IDimension { public static int Value => 72; }
internal readonly struct CnnSize144 : IDimension { public static int Value => 144; }
internal readonly struct CnnSize9 : IDimension { public static int Value => 9; }
internal readonly struct CnnSize10 : IDimension { public static int Value => 10; }
internal readonly struct CnnSize32 : IDimension { public static int Value => 32; }
internal readonly struct CnnSize64 : IDimension { public static int Value => 64; }
internal readonly struct CnnSize128 : IDimension { public static int Value => 128; }
internal readonly struct CnnSize288 : IDimension { public static int Value => 288; }
internal readonly struct CnnSize3136 : IDimension { public static int Value => 3136; }
