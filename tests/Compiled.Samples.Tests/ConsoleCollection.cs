namespace Compiled.Samples.Tests;

/// <summary>Tests that redirect <see cref="System.Console"/> (help, exit messages) run one at a time: the console is process-wide.</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleCollection
{
    public const string Name = "console";
}
