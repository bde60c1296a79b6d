using Compiled.Generator.Model;

namespace Compiled.Generator.Parsing;

/// <summary>
/// What parsing one [Network] class gives: the declaration (or its diagnostics) with symbolic sites only, and the
/// sites' source positions apart, so the pipeline can cache the first across edits that only move the second.
/// </summary>
internal sealed record ParsedNetwork(StageResult<NetworkDeclaration> Declaration, SourceSites Sites);
