using System.Collections.Generic;

namespace Compiled.Generator.Model;

/// <summary>
/// The source positions of one network's <see cref="DiagnosticSite"/>s, by index; <paramref name="Network"/> is the
/// network's key (its full name), which the diagnostics carry too. Kept apart from the model: it changes whenever the
/// text above the network does, and only the diagnostics output reads it.
/// </summary>
internal sealed record SourceSites(string Network, EquatableArray<LocationInfo> Locations)
{
    /// <summary>Collects sites while a network is parsed.</summary>
    public sealed class Builder
    {
        private readonly List<LocationInfo> _locations = new();

        /// <summary>A new site at <paramref name="location"/>; <see cref="DiagnosticSite.None"/> when there is none.</summary>
        public DiagnosticSite Add(LocationInfo? location)
        {
            if (location is null) return DiagnosticSite.None;
            _locations.Add(location);
            return new DiagnosticSite(_locations.Count - 1);
        }

        /// <summary>
        /// The [Network] attribute's site, <see cref="DiagnosticSite.Network"/>: the first one added, held even without a
        /// position so that every other index stays put.
        /// </summary>
        public DiagnosticSite AddNetwork(LocationInfo? location)
        {
            _locations.Add(location ?? Nowhere);
            return DiagnosticSite.Network;
        }

        public SourceSites Build(string network) => new(network, new EquatableArray<LocationInfo>(_locations.ToArray()));
    }

    private static readonly LocationInfo Nowhere = new("", default, default);

    public LocationInfo? this[DiagnosticSite site]
        => site.Index >= 0 && site.Index < Locations.Count && Locations[site.Index].FilePath.Length > 0 ? Locations[site.Index] : null;
}
