namespace Compiled.Generator.Emit;

/// <summary>One network's generated file: its hint name (<c>Samples.LeNet5.g.cs</c>) and text.</summary>
internal sealed record GeneratedSource(string HintName, string Text);
