using System.Collections.Generic;
using System.Linq;
using Compiled.Generator.Emit;
using Compiled.Generator.Pipeline;
using Compiled.Generator.Planning;
using Compiled.Generator.Tests.Support;
using Microsoft.CodeAnalysis;

namespace Compiled.Generator.Tests.Emission;

/// <summary>
/// The reserved names cannot drift from the emitted code: for networks of every form (spatial and flat inputs, every
/// layer kind and loss head, training or not, no parameters) the members declared in the generated part of the class
/// are exactly <see cref="GeneratedMembers.Of"/>, and each passes the parser's prefilter.
/// </summary>
public sealed class GeneratedMembersTests
{
    public static TheoryData<string> Declarations()
    {
        var data = new TheoryData<string>();
        foreach (string declaration in ValidNetworkTests.Declarations) data.Add(declaration);
        data.Add(TestNetworks.LeNet5.Replace("namespace Samples;", "namespace Valid;").Replace("class LeNet5", "class A"));
        data.Add("[Network(Training = false)] [Input(1, 4, 4)] [ReLU, MaxPool(2), Flatten] public partial class A;");
        data.Add("[Network] [Input(3)] [Tanh, SigmoidBinaryCrossEntropy] public partial class A;");
        data.Add("[Network] [Input(3)] [Dense(2), MeanSquaredError] public partial class A;");
        data.Add("[Network] [Input(3)] [Dense(2, Name = \"my_layer\"), MultiClassHinge] public partial class A;");
        return data;
    }

    [Theory]
    [MemberData(nameof(Declarations))]
    public void Generated_members_are_exactly_the_reserved_list(string declaration)
    {
        GeneratorOutcome outcome = GeneratorHarness.Run("using Compiled;\nnamespace Valid;\n" + declaration.Replace("using Compiled;", "").Replace("namespace Valid;", ""));
        Assert.Empty(outcome.GeneratorDiagnostics);
        Assert.Empty(outcome.CompilationProblems);

        NetworkPlan plan = ((Model.StageResult<NetworkPlan>)outcome.Generator.TrackedSteps[TrackingNames.Plans].Single().Outputs.Single().Value).Value!;
        List<GeneratedMember> reserved = GeneratedMembers.Of(plan);
        Assert.Equal(reserved.Count, reserved.Select(m => m.Name).Distinct().Count());

        INamedTypeSymbol type = outcome.Output.GetTypeByMetadataName("Valid.A")!;
        SyntaxTree generated = outcome.Output.SyntaxTrees.Single(tree => tree.FilePath.EndsWith("Valid.A.g.cs", System.StringComparison.Ordinal));
        string[] emitted = type.GetMembers()
            .Where(m => !m.IsImplicitlyDeclared && m.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == generated))
            .Where(m => m is not (IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor } or IMethodSymbol { AssociatedSymbol: not null }))
            .Select(Parsing.NetworkParser.NameOf)
            .Distinct()
            .OrderBy(n => n, System.StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(reserved.Select(m => m.Name).OrderBy(n => n, System.StringComparer.Ordinal).ToArray(), emitted);
        Assert.All(emitted, name => Assert.True(GeneratedMembers.MayBeGenerated(name), $"{name} fails the parser's prefilter"));
        Assert.Contains(type.Constructors, c => c.Parameters.Length == 0);
    }
}
