using System;
using System.Text;

namespace DslNets.Generator;

/// <summary>An indented text writer for generated C# (four spaces per level, LF line ends).</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line(string line = "")
    {
        if (line.Length > 0)
            _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
    }

    public void OpenBlock(string header)
    {
        Line(header);
        Line("{");
        _indent++;
    }

    public void CloseBlock(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
    }

    /// <summary>Opens a block that closes when the returned scope is disposed.</summary>
    public Block Scope(string header)
    {
        OpenBlock(header);
        return new Block(this);
    }

    public override string ToString() => _text.ToString();

    internal readonly struct Block : IDisposable
    {
        private readonly SourceWriter _writer;

        public Block(SourceWriter writer) => _writer = writer;

        public void Dispose() => _writer.CloseBlock();
    }
}
