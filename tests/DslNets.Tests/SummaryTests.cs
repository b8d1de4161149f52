using System.Globalization;
using DslNets.Tests.Networks;

namespace DslNets.Tests;

/// <summary>The generated <c>Summary</c> table agrees with the network it describes.</summary>
public class SummaryTests
{
    [Fact]
    public void Summary_ListsEveryOperation_WithItsOutputShape_AndParametersThatAddUpToParameterCount()
    {
        string[] lines = XorNet.Summary.Split('\n');

        Assert.Equal("XorNet: input [2], MaxBatch 4, loss SoftmaxCrossEntropy", lines[0]);
        Assert.Equal(["Hidden", "Dense 2 -> 8", "[8]", "24"], Cells(lines[3]));
        Assert.Equal(["Tanh", "[8]", "0"], Cells(lines[4]));
        Assert.Equal(["Output", "Dense 8 -> 2", "[2]", "18"], Cells(lines[5]));
        Assert.Equal($"Parameters: {XorNet.ParameterCount} (0.2 KiB; the gradients as much again)", lines[6]);

        var network = new XorNet();
        int operations = network.Operations.Count;
        int listed = lines.Skip(3).Take(operations).Sum(line => int.Parse(Cells(line)[^1], NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
        Assert.Equal(XorNet.ParameterCount, listed);
        Assert.Equal(network.Tensors.Where(t => t.IsParameter).Sum(t => t.Length), listed);
    }

    /// <summary>A row's cells: columns are separated by two or more spaces.</summary>
    private static string[] Cells(string line) =>
        line.Split("  ", StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim()).ToArray();
}
