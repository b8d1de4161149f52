using System;
using System.IO;
using DslNets.Distributed;
using DslNets.MpiRank;

// One MPI rank of the tests' `mpirun -np N dotnet DslNets.MpiRank.dll <mode> ...` runs:
//   train <classifier|regressor|syncbn-classifier|syncbn-regressor> <n0,n1,...> <dir>
//                    the data-parallel scenario on this rank's slice; writes rank<r>.bin (ScenarioResult) and
//                    rank<r>.alloc (bytes allocated by 100 warm collectives of each kind and 10 warm training steps
//                    each of the classifier and the synchronized-batch-norm classifier)
//   mismatch <dir>   rank 1 builds another network; every rank writes the start-up check's message to rank<r>.txt
//   throw <dir>      rank 1 throws before its first collective while rank 0 waits in one: mpirun must end the job
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: DslNets.MpiRank train <classifier|regressor|syncbn-classifier|syncbn-regressor> <n0,n1,...> <dir> | mismatch <dir> | throw <dir>");
    return 2;
}

using MpiCollectives mpi = MpiCollectives.Initialize();
string directory = args[^1];
string Output(string extension) => Path.Combine(directory, $"rank{mpi.Rank}.{extension}");
switch (args[0])
{
    case "train":
    {
        int[] split = Array.ConvertAll(args[2].Split(','), int.Parse);
        ScenarioResult result = DataParallelScenario.Distributed(args[1], mpi, split);
        using (FileStream file = File.Create(Output("bin")))
            result.Write(file);
        File.WriteAllText(Output("alloc"), CollectiveAllocations.Measure(mpi, split).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    }

    case "mismatch":
        try
        {
            if (mpi.Rank == 1)
                _ = new DataParallel<int>(new OtherClassifier(), mpi);
            else
                _ = new DataParallel<int>(new ParallelClassifier(), mpi);
            File.WriteAllText(Output("txt"), "no error");
        }
        catch (InvalidOperationException e)
        {
            File.WriteAllText(Output("txt"), e.Message);
        }

        return 0;

    case "throw":
        if (mpi.Rank == 1)
            throw new InvalidOperationException("rank 1 fails on purpose");
        _ = new DataParallel<int>(new ParallelClassifier(), mpi);
        File.WriteAllText(Output("txt"), "rank 0 finished, but rank 1 never joined");
        return 0;

    default:
        Console.Error.WriteLine($"unknown mode '{args[0]}'");
        return 2;
}
