using System;
using System.Globalization;
using System.IO;
using NetGen.Metrics;
using Spectre.Console;

namespace NetGen.Samples;

/// <summary>Prints a confusion matrix as a Spectre.Console table, with each class's precision and recall.</summary>
public static class ConfusionTable
{
    public static void Write(TextWriter output, ConfusionMatrix matrix, ReadOnlySpan<string> classNames)
    {
        var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle("confusion matrix (rows: true class, columns: predicted)") };
        table.AddColumn("true \\ predicted");
        for (int p = 0; p < matrix.Classes; p++)
        {
            table.AddColumn(new TableColumn(Markup.Escape(classNames[p])).RightAligned());
        }

        table.AddColumn(new TableColumn("recall").RightAligned());
        for (int t = 0; t < matrix.Classes; t++)
        {
            var cells = new string[matrix.Classes + 2];
            cells[0] = Markup.Escape(classNames[t]);
            int rowTotal = 0;
            for (int p = 0; p < matrix.Classes; p++)
            {
                rowTotal += matrix[t, p];
                string count = matrix[t, p].ToString(CultureInfo.InvariantCulture);
                cells[p + 1] = p == t ? $"[green]{count}[/]" : matrix[t, p] == 0 ? $"[grey]{count}[/]" : $"[red]{count}[/]";
            }

            cells[^1] = rowTotal == 0 ? "–" : Percent(matrix[t, t], rowTotal);
            table.AddRow(cells);
        }

        var precision = new string[matrix.Classes + 2];
        precision[0] = "precision";
        precision[^1] = "";
        for (int p = 0; p < matrix.Classes; p++)
        {
            int columnTotal = 0;
            for (int t = 0; t < matrix.Classes; t++)
            {
                columnTotal += matrix[t, p];
            }

            precision[p + 1] = columnTotal == 0 ? "–" : Percent(matrix[p, p], columnTotal);
        }

        table.AddRow(precision);
        bool terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        IAnsiConsole console = terminal
            ? AnsiConsole.Console
            : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        if (!terminal)
        {
            console.Profile.Width = 160; // captured or redirected output has no terminal width; 80 columns would wrap ten classes
        }

        console.Write(table);
    }

    private static string Percent(int part, int whole) => (100.0 * part / whole).ToString("F0", CultureInfo.InvariantCulture) + "%";
}
