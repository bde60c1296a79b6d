using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;

namespace Compiled.Training;

/// <summary>A one-line progress bar redrawn in place with carriage returns, at most ten times a second.</summary>
internal sealed class ProgressBar
{
    private const int BarWidth = 30;
    private static readonly long RedrawTicks = Stopwatch.Frequency / 10;
    private readonly TextWriter _writer;
    private long _lastDraw;
    private int _lastLength;

    public ProgressBar(TextWriter writer) => _writer = writer;

    public void Update(int epoch, int epochs, int batch, int batches, double loss, double? accuracy, double seconds)
    {
        long now = Stopwatch.GetTimestamp();
        if (batch < batches && now - _lastDraw < RedrawTicks) return;
        _lastDraw = now;
        int filled = (int)((long)BarWidth * batch / batches);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"epoch {epoch}/{epochs} [{new string('=', filled)}{new string(' ', BarWidth - filled)}] {batch}/{batches}  loss {loss:F4}{(accuracy is double a ? $"  acc {a * 100:F2}%" : "")}  {seconds:F1} s");
        _writer.Write('\r');
        _writer.Write(line);
        if (line.Length < _lastLength) _writer.Write(new string(' ', _lastLength - line.Length));
        _lastLength = line.Length;
        _writer.Flush();
    }

    /// <summary>Erases the bar so the epoch line can take its place.</summary>
    public void Clear()
    {
        if (_lastLength == 0) return;
        _writer.Write('\r');
        _writer.Write(new string(' ', _lastLength));
        _writer.Write('\r');
        _lastLength = 0;
        _lastDraw = 0;
    }
}
