using System;
using System.Text;

namespace Compiled.Generator.Emit;

/// <summary>An indenting writer: four spaces per level, '\n' line ends, no trailing spaces on blank lines.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    public void Line(string line)
    {
        if (line.Length > 0) _text.Append(' ', _depth * 4).Append(line);
        _text.Append('\n');
    }

    public void Line() => _text.Append('\n');

    /// <summary>Writes <paramref name="header"/> (if any) and an opening brace, and indents until the returned scope is disposed.</summary>
    public Block Open(string? header = null)
    {
        if (header is not null) Line(header);
        Line("{");
        _depth++;
        return new Block(this);
    }

    /// <summary>Writes each line of a multi-line text, prefixed (e.g. with "/// ").</summary>
    public void Lines(string text, string prefix)
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.Length > 0) Line(prefix + line);
        }
    }

    public override string ToString() => _text.ToString();

    private void Close(string suffix)
    {
        _depth--;
        Line("}" + suffix);
    }

    /// <summary>Closes a brace block; <see cref="Suffix"/> is appended to the closing brace (e.g. ";").</summary>
    public sealed class Block : IDisposable
    {
        private readonly SourceWriter _writer;

        public Block(SourceWriter writer) => _writer = writer;

        public string Suffix { get; set; } = "";

        public void Dispose() => _writer.Close(Suffix);
    }
}
