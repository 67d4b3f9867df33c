using System;
using System.Text;

namespace NetGen.Generator;

/// <summary>Writes indented C# source line by line; braces open and close indentation levels.</summary>
internal sealed class SourceWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _builder = new();
    private int _indent;

    public void WriteLine() => _builder.Append('\n');

    public void WriteLine(string line)
    {
        for (int i = 0; i < _indent; i++)
        {
            _builder.Append(IndentUnit);
        }

        _builder.Append(line).Append('\n');
    }

    /// <summary>Writes each line of a multi-line block at the current indentation.</summary>
    public void WriteBlock(string block)
    {
        foreach (string line in block.Replace("\r\n", "\n").Split('\n'))
        {
            if (line.Length == 0)
            {
                WriteLine();
            }
            else
            {
                WriteLine(line);
            }
        }
    }

    /// <summary>Writes text produced by another writer, each of its lines at this writer's indentation.</summary>
    public void WriteIndented(string text)
    {
        foreach (string line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.Length == 0)
            {
                WriteLine();
            }
            else
            {
                WriteLine(line);
            }
        }
    }

    /// <summary>Indents the following lines one level, for a brace already written by <see cref="WriteBlock"/> or a continued statement.</summary>
    public void Indent() => _indent++;

    /// <summary>Ends one level of <see cref="Indent"/>.</summary>
    public void Outdent() => _indent = Math.Max(0, _indent - 1);

    public void OpenBrace()
    {
        WriteLine("{");
        _indent++;
    }

    public void CloseBrace(string suffix = "")
    {
        _indent = Math.Max(0, _indent - 1);
        WriteLine("}" + suffix);
    }

    public override string ToString() => _builder.ToString();
}
