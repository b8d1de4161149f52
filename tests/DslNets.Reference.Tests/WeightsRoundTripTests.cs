using System.Text.RegularExpressions;

namespace DslNets.Reference.Tests;

/// <summary>
/// docs/weights.md's round trip, run as written: its Python blocks are extracted into files and run with
/// python3-torch, and its C# block must be this project's TinyClassifier.cs, which the test calls.
/// </summary>
public sealed partial class WeightsRoundTripTests
{
    private static readonly string s_page = Path.Combine(Fixture.RepositoryRoot, "docs", "weights.md");

    [GeneratedRegex(@"<!-- snippet: (?<name>[\w.]+) -->\r?\n```(?<language>\w+)\r?\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex SnippetPattern();

    private static Dictionary<string, string> Snippets() =>
        SnippetPattern().Matches(File.ReadAllText(s_page)).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["code"].Value);

    [Fact]
    public void CSharpBlock_IsTheCodeThisTestRuns()
    {
        string source = File.ReadAllText(Path.Combine(Fixture.RepositoryRoot, "tests", "DslNets.Reference.Tests", "TinyClassifier.cs"));
        Assert.True(Snippets().TryGetValue("TinyClassifier.cs", out string? block), "docs/weights.md has no TinyClassifier.cs snippet.");
        Assert.Equal(source.ReplaceLineEndings("\n"), block.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void RoundTrip_PyTorchToDslNetsAndBack_PredictsTheSame()
    {
        Dictionary<string, string> snippets = Snippets();
        string[] python = ["safetensors_io.py", "tiny_classifier.py", "train_torch.py", "check_dslnets.py"];
        Assert.All(python, name => Assert.True(snippets.ContainsKey(name), $"docs/weights.md has no {name} snippet."));

        string directory = Path.Combine(Path.GetTempPath(), $"dslnets-roundtrip-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        try
        {
            foreach (string name in python)
                File.WriteAllText(Path.Combine(directory, name), snippets[name]);

            (int trained, string trainOutput) = PyTorch.Run(directory, "train_torch.py");
            Assert.True(trained == 0, $"train_torch.py failed ({trained}):\n{trainOutput}");

            var model = new TinyClassifier();
            float difference = RoundTrip.LoadFromPyTorch(model, directory);
            Assert.True(difference <= 1e-5f, $"DslNets' probabilities differ from PyTorch's by up to {difference:G3}.");

            float[] before = model.Parameters.ToArray();
            RoundTrip.TrainAndSave(model, directory);
            Assert.NotEqual(before, model.Parameters.ToArray()); // it did train on, so PyTorch checks new weights

            (int checkedExit, string checkOutput) = PyTorch.Run(directory, "check_dslnets.py");
            Assert.True(checkedExit == 0, $"check_dslnets.py failed ({checkedExit}):\n{checkOutput}");
            Assert.Contains("largest difference from DslNets", checkOutput, StringComparison.Ordinal);
        }
        finally
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }
}
