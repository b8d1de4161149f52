using System.Collections.Generic;
using System.Linq;
using DslNets.Training;

namespace FashionMnist;

/// <summary>Loss and accuracy per epoch as a PNG (ScottPlot renders with SkiaSharp, no display needed).</summary>
internal static class Curves
{
    public static void Save(string path, IReadOnlyList<EpochReport> epochs, string title)
    {
        double[] x = epochs.Select(e => (double)e.Epoch).ToArray();
        var plot = new ScottPlot.Plot();
        plot.Title($"FashionMlp — {title}");
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.Axes.Right.Label.Text = "accuracy";

        AddLine(plot, x, epochs.Select(e => (double)e.Training.Loss), "train loss", right: false);
        AddLine(plot, x, epochs.Select(e => (double)e.Validation!.Value.Loss), "validation loss", right: false);
        AddLine(plot, x, epochs.Select(e => (double)e.Validation!.Value.Accuracy), "validation accuracy", right: true);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.ShowLegend(ScottPlot.Alignment.MiddleRight);
        plot.SavePng(path, 900, 520);
    }

    private static void AddLine(ScottPlot.Plot plot, double[] x, IEnumerable<double> y, string label, bool right)
    {
        var line = plot.Add.Scatter(x, y.ToArray());
        line.LegendText = label;
        line.LinePattern = right ? ScottPlot.LinePattern.Dashed : ScottPlot.LinePattern.Solid;
        if (right)
            line.Axes.YAxis = plot.Axes.Right;
    }
}
