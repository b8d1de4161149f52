using Microsoft.CodeAnalysis;

namespace DslNets.Analyzers.Tests;

/// <summary>
/// Every network a user copies from (samples) or the functional tests train (tests/DslNets.Tests/Networks) is meant
/// to be clean: the analyzers must find nothing in them. samples/FlawedNetwork is the deliberate exception, and it
/// doubles as this test's self-check.
/// </summary>
public class CleanNetworksTests
{
    private const string FlawedSample = "FlawedNetwork";

    public static TheoryData<string> CleanFolders()
    {
        var data = new TheoryData<string>();
        string root = RepositoryRoot();
        string samples = Path.Combine(root, "samples");
        if (Directory.Exists(samples))
        {
            foreach (string sample in Directory.GetDirectories(samples).Where(d => Path.GetFileName(d) != FlawedSample).Order(StringComparer.Ordinal))
                data.Add(Path.GetRelativePath(root, sample));
        }

        data.Add(Path.Combine("tests", "DslNets.Tests", "Networks"));
        return data;
    }

    [Theory]
    [MemberData(nameof(CleanFolders))]
    public async Task CleanNetworks_HaveNoDslDiagnostics(string folder)
    {
        AnalyzerRunner.Result result = await AnalyzerRunner.RunAsync(SourcesIn(Path.Combine(RepositoryRoot(), folder)));

        Assert.Empty(result.Exceptions);
        Assert.Empty(result.AnalyzerDiagnostics.Where(d => d.Id.StartsWith("DSL", StringComparison.Ordinal) || d.Id == "AD0001").Select(d => d.ToString()));
    }

    [Fact]
    public async Task FlawedNetworkSample_ShowsItsWarnings()
    {
        // Self-check of the test above: the same runner over the deliberately flawed sample must find its warnings.
        var sources = SourcesIn(Path.Combine(RepositoryRoot(), "samples", FlawedSample)).ToList();
        Assert.NotEmpty(sources);

        AnalyzerRunner.Result result = await AnalyzerRunner.RunAsync(sources);

        Assert.Empty(result.Exceptions);
        string[] ids = result.AnalyzerDiagnostics.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "DSL001", "DSL003", "DSL006", "DSL007", "DSL008", "DSL009" }, ids);
        Assert.DoesNotContain(result.AnalyzerDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    private static IEnumerable<(string Path, string Text)> SourcesIn(string folder)
    {
        if (!Directory.Exists(folder))
            return Array.Empty<(string, string)>();

        char separator = Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{separator}bin{separator}", StringComparison.Ordinal) && !f.Contains($"{separator}obj{separator}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (f, File.ReadAllText(f)))
            .ToList();
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DslNets.sln")))
                return directory.FullName;
        }

        throw new InvalidOperationException("DslNets.sln not found above " + AppContext.BaseDirectory);
    }
}
