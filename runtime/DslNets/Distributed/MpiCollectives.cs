using System;
using System.Runtime.InteropServices;
using System.Text;

namespace DslNets.Distributed;

/// <summary>
/// Collectives over OpenMPI: each rank is a process started by <c>mpirun</c> (on this machine or on the hosts of a
/// hostfile), and every call goes to the system's <c>libmpi.so.40</c> (OpenMPI 4.x / 5.x ABI) through P/Invoke. The
/// library is loaded on the first <see cref="Initialize()"/>, never before, so the rest of DslNets runs without MPI.
/// </summary>
/// <remarks>
/// <para>Install: <c>apt-get install openmpi-bin libopenmpi-dev</c>. Run: <c>mpirun -np 2 dotnet MyTrainer.dll</c>
/// (as root add <c>--allow-run-as-root</c>; more ranks than cores needs <c>--oversubscribe</c>).</para>
/// <para>MPI is initialized with <c>MPI_THREAD_SERIALIZED</c> and every call here takes a lock, so any thread may call,
/// one at a time. Errors come back as <see cref="CollectiveException"/> (the communicator's error handler is set to
/// <c>MPI_ERRORS_RETURN</c>). A rank that dies of an unhandled exception aborts the job (<c>MPI_Abort</c>, so <c>mpirun</c>
/// stops the other ranks instead of letting them wait); a rank that catches an exception and wants the job to end
/// calls <see cref="Abort"/>.</para>
/// <para>Calls allocate nothing: spans are pinned and passed as pointers, the handles are looked up once.</para>
/// </remarks>
public sealed class MpiCollectives : ICollectives, IDisposable
{
    internal const string LibraryName = "libmpi.so.40";
    private const string InstallHint = "install OpenMPI with `apt-get install openmpi-bin libopenmpi-dev` (Debian/Ubuntu)";

    private static readonly object s_lifetime = new();
    private static MpiCollectives? s_instance;
    private static bool s_finalized;

    private readonly object _gate = new();
    private readonly nint _world;
    private readonly nint _float;
    private readonly nint _sum;
    private readonly bool _ownsMpi;
    private bool _disposed;

    private MpiCollectives(nint world, nint @float, nint sum, bool ownsMpi, int rank, int size)
    {
        (_world, _float, _sum, _ownsMpi, Rank, Size) = (world, @float, sum, ownsMpi, rank, size);
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <summary>True when this process was started by OpenMPI's <c>mpirun</c>/<c>mpiexec</c> (it sets <c>OMPI_COMM_WORLD_SIZE</c>).</summary>
    public static bool IsLaunchedByMpirun => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null;

    /// <summary>
    /// Loads <c>libmpi.so.40</c>, initializes MPI (unless something else in the process already did) and returns the
    /// process's endpoint on <c>MPI_COMM_WORLD</c>. Later calls return the same instance until it is disposed.
    /// </summary>
    /// <exception cref="DllNotFoundException">OpenMPI is not installed; the message names the packages.</exception>
    /// <exception cref="InvalidOperationException">The process was not started by <c>mpirun</c>, or MPI was already finalized.</exception>
    public static MpiCollectives Initialize() => Initialize(LibraryName);

    /// <summary><see cref="Initialize()"/> with another library file name (tests: a missing library).</summary>
    internal static MpiCollectives Initialize(string libraryName)
    {
        lock (s_lifetime)
        {
            if (s_instance is { } existing)
                return existing;
            if (s_finalized)
                throw new InvalidOperationException("MPI was already finalized in this process (MpiCollectives was disposed); MPI can be initialized only once per process.");

            if (!NativeLibrary.TryLoad(libraryName, typeof(MpiCollectives).Assembly, null, out nint library))
            {
                throw new DllNotFoundException(
                    $"The MPI backend needs OpenMPI's {libraryName}, which could not be loaded: {InstallHint}. " +
                    "InProcessCollectives runs ranks as threads of one process without MPI.");
            }

            if (!IsLaunchedByMpirun)
            {
                throw new InvalidOperationException(
                    "MpiCollectives needs a process started by OpenMPI's mpirun (OMPI_COMM_WORLD_SIZE is not set): run " +
                    "`mpirun -np 2 dotnet YourApp.dll` (as root add --allow-run-as-root; more ranks than cores: --oversubscribe). " +
                    $"mpirun is in the openmpi-bin package: {InstallHint}.");
            }

            nint world = Export(library, libraryName, "ompi_mpi_comm_world");
            nint @float = Export(library, libraryName, "ompi_mpi_float");
            nint sum = Export(library, libraryName, "ompi_mpi_op_sum");
            nint errorsReturn = Export(library, libraryName, "ompi_mpi_errors_return");

            Check(Native.MPI_Initialized(out int initialized), "MPI_Initialized");
            bool ownsMpi = initialized == 0;
            if (ownsMpi)
            {
                Check(Native.MPI_Init_thread(0, 0, Native.ThreadSerialized, out int provided), "MPI_Init_thread");
                if (provided < Native.ThreadSerialized)
                    throw new InvalidOperationException($"OpenMPI provides thread level {provided}; MpiCollectives needs MPI_THREAD_SERIALIZED ({Native.ThreadSerialized}).");
            }

            Check(Native.MPI_Comm_set_errhandler(world, errorsReturn), "MPI_Comm_set_errhandler");
            Check(Native.MPI_Comm_rank(world, out int rank), "MPI_Comm_rank");
            Check(Native.MPI_Comm_size(world, out int size), "MPI_Comm_size");
            s_instance = new MpiCollectives(world, @float, sum, ownsMpi, rank, size);
            AppDomain.CurrentDomain.UnhandledException += s_instance.AbortOnUnhandledException;
            return s_instance;
        }
    }

    /// <inheritdoc/>
    public void AllReduceSum(Span<float> values)
    {
        if (values.IsEmpty)
            return;
        lock (_gate)
        {
            ThrowIfDisposed();
            Check(Native.MPI_Allreduce(Native.InPlace, ref MemoryMarshal.GetReference(values), values.Length, _float, _sum, _world), "MPI_Allreduce");
        }
    }

    /// <inheritdoc/>
    public void Broadcast(Span<float> values, int root)
    {
        if ((uint)root >= (uint)Size)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"Expected a root rank in [0, {Size}).");
        if (values.IsEmpty)
            return;
        lock (_gate)
        {
            ThrowIfDisposed();
            Check(Native.MPI_Bcast(ref MemoryMarshal.GetReference(values), values.Length, _float, root, _world), "MPI_Bcast");
        }
    }

    /// <inheritdoc/>
    public void Barrier()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            Check(Native.MPI_Barrier(_world), "MPI_Barrier");
        }
    }

    /// <summary>
    /// Ends every rank of the job at once (<c>MPI_Abort</c>): for a rank that caught an error the others cannot know
    /// about, so they do not wait for it forever. Does not return.
    /// </summary>
    public void Abort(int errorCode)
    {
        Native.MPI_Abort(_world, errorCode);
        Environment.Exit(errorCode); // MPI_Abort does not return; this is for an MPI that does
    }

    /// <summary>
    /// A rank that dies of an unhandled exception would otherwise leave the others waiting in their next collective
    /// (the crashing .NET process does not reliably exit under OpenMPI): abort the whole job instead, naming the rank.
    /// </summary>
    private void AbortOnUnhandledException(object sender, UnhandledExceptionEventArgs e)
    {
        Console.Error.WriteLine($"Rank {Rank} of {Size}: unhandled {e.ExceptionObject}");
        Console.Error.WriteLine($"Rank {Rank} of {Size}: aborting the MPI job so the other ranks do not wait for this one.");
        Console.Error.Flush();
        Native.MPI_Abort(_world, 1);
    }

    /// <summary>Finalizes MPI (when <see cref="Initialize()"/> initialized it). Every rank must dispose, as every rank calls MPI_Finalize.</summary>
    public void Dispose()
    {
        lock (s_lifetime)
        {
            if (_disposed)
                return;
            _disposed = true;
            s_instance = null;
            AppDomain.CurrentDomain.UnhandledException -= AbortOnUnhandledException;
            if (_ownsMpi)
            {
                s_finalized = true;
                Check(Native.MPI_Finalize(), "MPI_Finalize");
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static nint Export(nint library, string libraryName, string name)
    {
        if (!NativeLibrary.TryGetExport(library, name, out nint address))
            throw new DllNotFoundException($"{libraryName} has no symbol {name}: the MPI backend needs OpenMPI ({InstallHint}), not another MPI.");
        return address;
    }

    private static void Check(int code, string function)
    {
        if (code != 0)
            throw new CollectiveException($"{function} failed with MPI error {code}: {ErrorString(code)}");
    }

    private static string ErrorString(int code)
    {
        var text = new byte[Native.MaxErrorString];
        return Native.MPI_Error_string(code, text, out int length) == 0
            ? Encoding.ASCII.GetString(text, 0, Math.Clamp(length, 0, text.Length))
            : "(no description)";
    }

    /// <summary>The MPI C API as OpenMPI exports it: handles are pointers to the library's predefined objects.</summary>
    private static class Native
    {
        public const int ThreadSerialized = 2; // MPI_THREAD_SERIALIZED in OpenMPI's mpi.h
        public const int MaxErrorString = 256; // MPI_MAX_ERROR_STRING
        public static readonly nint InPlace = 1; // MPI_IN_PLACE is ((void *) 1) in OpenMPI's mpi.h

        [DllImport(LibraryName)]
        public static extern int MPI_Initialized(out int flag);

        [DllImport(LibraryName)]
        public static extern int MPI_Init_thread(nint argc, nint argv, int required, out int provided);

        [DllImport(LibraryName)]
        public static extern int MPI_Comm_set_errhandler(nint comm, nint errhandler);

        [DllImport(LibraryName)]
        public static extern int MPI_Comm_rank(nint comm, out int rank);

        [DllImport(LibraryName)]
        public static extern int MPI_Comm_size(nint comm, out int size);

        [DllImport(LibraryName)]
        public static extern int MPI_Allreduce(nint sendBuffer, ref float receiveBuffer, int count, nint datatype, nint op, nint comm);

        [DllImport(LibraryName)]
        public static extern int MPI_Bcast(ref float buffer, int count, nint datatype, int root, nint comm);

        [DllImport(LibraryName)]
        public static extern int MPI_Barrier(nint comm);

        [DllImport(LibraryName)]
        public static extern int MPI_Abort(nint comm, int errorCode);

        [DllImport(LibraryName)]
        public static extern int MPI_Finalize();

        [DllImport(LibraryName)]
        public static extern int MPI_Error_string(int errorCode, byte[] text, out int length);
    }
}
