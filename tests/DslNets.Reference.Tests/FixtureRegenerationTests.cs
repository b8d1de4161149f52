using DslNets.Serialization;

namespace DslNets.Reference.Tests;

/// <summary>
/// The committed fixtures are what tools/reference/make_fixtures.py writes today with the installed PyTorch: the test
/// regenerates them into a temporary directory and compares, so neither the script nor the fixtures can drift
/// without a failing test. Integer tensors and metadata must be identical; float tensors may differ only by
/// float64 rounding across machines (BLAS kernels differ by CPU), 1e-6 relative per tensor, ten times tighter than
/// what DslNets is held to.
/// </summary>
public sealed class FixtureRegenerationTests
{
    private const double RegenerationTolerance = 1e-6;

    [Fact]
    public void CommittedFixtures_AreWhatPyTorchComputesToday()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"dslnets-reference-{Guid.NewGuid():N}");
        try
        {
            (int exitCode, string output) = PyTorch.Run(Fixture.RepositoryRoot, Fixture.Script, directory);
            Assert.True(exitCode == 0, $"{Fixture.Script} failed ({exitCode}):\n{output}");

            string[] committed = Names(Fixture.Directory);
            string[] regenerated = Names(directory);
            Assert.True(committed.SequenceEqual(regenerated),
                $"The script writes [{string.Join(", ", regenerated)}]; committed are [{string.Join(", ", committed)}]. Regenerate: {PyTorch.Python} {Fixture.Script} {Fixture.Directory}");

            var failures = new List<string>();
            foreach (string name in committed)
                Compare(name, Read(Path.Combine(Fixture.Directory, name)), Read(Path.Combine(directory, name)), failures);
            Assert.True(failures.Count == 0,
                $"The committed fixtures no longer match PyTorch ({failures.Count} differences). If the change is intended, regenerate them: " +
                $"{PyTorch.Python} {Fixture.Script} {Fixture.Directory}\n{string.Join("\n", failures.Take(20))}");
        }
        finally
        {
            if (System.IO.Directory.Exists(directory))
                System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    private static void Compare(string file, SafetensorsFile committed, SafetensorsFile regenerated, List<string> failures)
    {
        // The torch version is informational: another build that computes the same numbers passes.
        string[] metadataKeys = (committed.Metadata?.Keys ?? []).Union(regenerated.Metadata?.Keys ?? []).Where(k => k != "torch").Order(StringComparer.Ordinal).ToArray();
        foreach (string key in metadataKeys)
        {
            string? before = committed.Metadata?.GetValueOrDefault(key);
            string? after = regenerated.Metadata?.GetValueOrDefault(key);
            if (before != after)
                failures.Add($"{file} metadata '{key}': committed {before ?? "(none)"}, regenerated {after ?? "(none)"}");
        }

        foreach (string name in committed.Tensors.Keys.Union(regenerated.Tensors.Keys).Order(StringComparer.Ordinal))
        {
            if (!committed.Tensors.TryGetValue(name, out SafetensorsTensor? before) || !regenerated.Tensors.TryGetValue(name, out SafetensorsTensor? after))
            {
                failures.Add($"{file} '{name}': only in the {(committed.Tensors.ContainsKey(name) ? "committed" : "regenerated")} fixture");
                continue;
            }

            if (before.DType != after.DType || !before.Shape.SequenceEqual(after.Shape))
            {
                failures.Add($"{file} '{name}': committed {before.DType} [{string.Join(", ", before.Shape)}], regenerated {after.DType} [{string.Join(", ", after.Shape)}]");
                continue;
            }

            if (before.DType == SafetensorsDType.F32)
            {
                if (Tolerance.Check($"{file} '{name}'", before.ToSingles(), after.ToSingles(), RegenerationTolerance, "committed", "regenerated") is { } failure)
                    failures.Add(failure);
            }
            else if (!before.Data.AsSpan().SequenceEqual(after.Data))
            {
                failures.Add($"{file} '{name}': {before.DType} values differ");
            }
        }
    }

    private static string[] Names(string directory) =>
        System.IO.Directory.GetFiles(directory).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray();

    private static SafetensorsFile Read(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return SafetensorsFile.Read(stream);
    }
}
