namespace Compiled.Generator.Model;

/// <summary>
/// A member of the user's network class, or one it inherits, whose name the generator may also give a member (only
/// those are kept, so that most edits to the class leave the model unchanged).
/// </summary>
/// <param name="Name">Its name (an explicit interface implementation: the interface's full name and the member, <c>Compiled.INetwork.InputLength</c>).</param>
/// <param name="Kind">constant, field, property, method, event, class, ...</param>
/// <param name="Display">How messages name it (<c>INetwork.InputLength</c> for an explicit implementation).</param>
/// <param name="DeclaringType">For an inherited member, the base class declaring it (<c>A.Base</c>); null for the user's own.</param>
/// <param name="Site">The user's declaration of it (own members only; <see cref="DiagnosticSite.None"/> otherwise).</param>
internal sealed record ClassMember(string Name, string Kind, string Display, string? DeclaringType, DiagnosticSite Site);
