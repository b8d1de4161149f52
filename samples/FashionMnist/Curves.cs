using System;
using System.Collections.Generic;
using System.Linq;
using DslNets.Training;

namespace FashionMnist;

/// <summary>
/// Loss and accuracy per epoch as a PNG (ScottPlot renders with SkiaSharp, no display needed): losses on the left
/// axis, accuracies in percent (as the terminal prints them) on the right axis, which never leaves [0, 100]; the
/// test accuracy is a marker at the epoch whose weights were tested; the legend sits below the plot, off the lines.
/// </summary>
internal static class Curves
{
    public static void Save(string network, string path, IReadOnlyList<EpochReport> epochs, string title, EpochMetrics test, int testedEpoch)
    {
        double[] x = epochs.Select(e => (double)e.Epoch).ToArray();
        var plot = new ScottPlot.Plot();
        plot.Title($"{network} — {title}");
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.Axes.Right.Label.Text = "accuracy (%)";

        AddLine(plot, x, epochs.Select(e => (double)e.Training.Loss), "train loss", right: false);
        AddLine(plot, x, epochs.Select(e => (double)e.Validation!.Value.Loss), "validation loss", right: false);
        double[] accuracy = epochs.Select(e => 100.0 * e.Validation!.Value.Accuracy).ToArray();
        AddLine(plot, x, accuracy, "validation accuracy", right: true);

        double testAccuracy = 100.0 * test.Accuracy;
        var marker = plot.Add.Marker(testedEpoch, testAccuracy, ScottPlot.MarkerShape.FilledDiamond, size: 12);
        marker.Color = ScottPlot.Colors.Black;
        marker.LegendText = $"test accuracy {testAccuracy:F2}% (weights of epoch {testedEpoch})";
        marker.Axes.YAxis = plot.Axes.Right;

        // Percent axis: from a round number below every accuracy shown up to 100, never outside [0, 100].
        double lowest = Math.Min(accuracy.Min(), testAccuracy);
        plot.Axes.SetLimitsY(Math.Max(0, Math.Floor((lowest - 2) / 5) * 5), 100, plot.Axes.Right);
        plot.Axes.SetLimitsX(0.5, Math.Max(x.Length, 1) + 0.5);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(Math.Max(1, x.Length / 15 + 1));
        plot.ShowLegend(ScottPlot.Edge.Bottom);
        plot.SavePng(path, 900, 560);
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
