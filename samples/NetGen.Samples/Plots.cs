using System.Collections.Generic;
using ScottPlot;

namespace NetGen.Samples;

/// <summary>The few chart shapes the samples draw, as PNG files.</summary>
public static class Plots
{
    /// <summary>One line per series, with a legend.</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IEnumerable<(string Name, double[] X, double[] Y)> series, bool logX = false)
    {
        var plot = new Plot();
        foreach ((string name, double[] x, double[] y) in series)
        {
            double[] xs = logX ? System.Array.ConvertAll(x, v => System.Math.Log10(v)) : x;
            var line = plot.Add.Scatter(xs, y);
            line.LegendText = name;
            line.MarkerSize = 0;
            line.LineWidth = 2;
        }

        plot.Title(title);
        plot.XLabel(logX ? xLabel + " (log10)" : xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 520);
    }

    /// <summary>A surface as a heat map over [min, max]², with a labelled colour bar and paths drawn on it.</summary>
    public static void Surface(string path, string title, string valueLabel, System.Func<double, double, double> f, double min, double max, IEnumerable<(double[] X, double[] Y)> paths)
    {
        const int resolution = 120;
        var values = new double[resolution, resolution];
        for (int row = 0; row < resolution; row++)
        {
            for (int column = 0; column < resolution; column++)
            {
                double x = min + (max - min) * column / (resolution - 1);
                double y = max - (max - min) * row / (resolution - 1); // row 0 is the top
                values[row, column] = f(x, y);
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Extent = new CoordinateRect(min, max, min, max);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = valueLabel;
        foreach ((double[] x, double[] y) in paths)
        {
            var line = plot.Add.Scatter(x, y);
            line.MarkerSize = 3;
            line.LineWidth = 1.5f;
            line.Color = Colors.White;
            var end = plot.Add.Marker(x[^1], y[^1]);
            end.Color = Colors.Red;
            end.Size = 10;
        }

        plot.Title(title);
        plot.XLabel("x");
        plot.YLabel("y");
        plot.SavePng(path, 700, 600);
    }
}
