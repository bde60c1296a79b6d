using System.Collections.Generic;
using Compiled.Generator.Diagnostics;
using Compiled.Generator.Model;
using Compiled.Generator.Planning;

namespace Compiled.Generator.Emit;

/// <summary>
/// Reserves the names of the members the emitter will declare (<see cref="GeneratedMembers.Of"/>) against the class
/// name (CMP0020), the user's own members (CMP0018, at the member) and inherited ones (CMP0019, at [Network]), so a clash
/// is a diagnostic at the user's declaration and never a compiler error or warning in generated code.
/// </summary>
internal static class ReservedNames
{
    public static StageResult<NetworkPlan> Check(string key, NetworkPlan plan, NetworkDeclaration declaration)
    {
        var generated = new Dictionary<string, GeneratedMember>();
        foreach (GeneratedMember member in GeneratedMembers.Of(plan))
        {
            if (!generated.ContainsKey(member.Name)) generated[member.Name] = member;
        }

        var diagnostics = new List<DiagnosticInfo>();
        if (generated.TryGetValue(declaration.ClassName, out GeneratedMember? named))
        {
            string layer = named.Layer is null ? "" : $", or give the layer '{named.Layer}' another name (Name = \"...\")";
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNameClash, DiagnosticSite.Network, declaration.ClassName, named.Describe(), layer));
        }
        foreach (ClassMember member in declaration.Members)
        {
            if (!generated.TryGetValue(member.Name, out GeneratedMember? clash)) continue;
            if (member.DeclaringType is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberClash, member.Site.Index >= 0 ? member.Site : DiagnosticSite.Network,
                    member.Kind, member.Display, declaration.ClassName, clash.Describe(), Fix(member, clash)));
            }
            else
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InheritedMemberClash, DiagnosticSite.Network,
                    declaration.ClassName, $"{member.Kind} '{member.Display}'", member.DeclaringType, clash.Describe()));
            }
        }
        return diagnostics.Count == 0
            ? new StageResult<NetworkPlan>(key, plan, EquatableArray<DiagnosticInfo>.Empty)
            : StageResult<NetworkPlan>.Failed(key, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
    }

    private static string Fix(ClassMember member, GeneratedMember clash)
    {
        if (member.Name != member.Display) return $"remove it: the generator implements {clash.Display}";
        return clash.Layer is null
            ? $"rename '{member.Display}'"
            : $"rename '{member.Display}', or give the layer '{clash.Layer}' another name (Name = \"...\")";
    }
}
