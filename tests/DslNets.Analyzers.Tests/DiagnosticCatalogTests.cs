using System.Reflection;
using System.Text.RegularExpressions;
using DslNets.Declarations;
using Microsoft.CodeAnalysis;

namespace DslNets.Analyzers.Tests;

/// <summary>One catalog: every ID has a descriptor, a help link to its docs section, a release-tracking row and an analyzer.</summary>
public class DiagnosticCatalogTests
{
    private static readonly string[] Ids = typeof(DiagnosticIds).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (string)f.GetRawConstantValue()!)
        .Order(StringComparer.Ordinal)
        .ToArray();

    private static DiagnosticDescriptor[] Descriptors => typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToArray();

    [Fact]
    public void EveryId_FromDsl001ToDsl024_HasADescriptor_AndAnAnalyzerReportingIt()
    {
        Assert.Equal(Enumerable.Range(1, 24).Select(i => $"DSL{i:000}"), Ids);
        Assert.Equal(Ids, Descriptors.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal));

        string[] supported = AnalyzerRunner.AllAnalyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Ids, supported);
    }

    [Fact]
    public void EveryHelpLink_PointsAtAHeadingOfDiagnosticsMd()
    {
        string docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "diagnostics.md"));
        foreach (DiagnosticDescriptor descriptor in Descriptors)
        {
            Assert.Equal($"https://github.com/dslnets/dslnets/blob/main/docs/diagnostics.md#{descriptor.Id.ToLowerInvariant()}", descriptor.HelpLinkUri);
            Assert.Matches(new Regex($"^## {descriptor.Id} ", RegexOptions.Multiline), docs);
        }
    }

    [Fact]
    public void EveryHelpLinkAnchor_IsDeclaredInDiagnosticsMd_RightBeforeItsHeading()
    {
        // GitHub derives heading anchors from the whole heading text ("dsl001-dropout-runs-before-a-batchnorm"), so
        // "#dsl001" resolves only through an explicit anchor.
        string docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "diagnostics.md"));
        foreach (DiagnosticDescriptor descriptor in Descriptors)
        {
            string anchor = descriptor.HelpLinkUri.Substring(descriptor.HelpLinkUri.IndexOf('#') + 1);
            Assert.Matches(new Regex($"^<a id=\"{Regex.Escape(anchor)}\"></a>\r?\n## {descriptor.Id} ", RegexOptions.Multiline), docs);
        }
    }

    [Fact]
    public void Severities_FollowTheDesign()
    {
        var expected = new Dictionary<string, DiagnosticSeverity>
        {
            ["DSL001"] = DiagnosticSeverity.Warning,
            ["DSL002"] = DiagnosticSeverity.Error,
            ["DSL003"] = DiagnosticSeverity.Error, // lowered to a warning for >= 1 by LargeRegularizationAnalyzer
            ["DSL004"] = DiagnosticSeverity.Error,
            ["DSL005"] = DiagnosticSeverity.Error,
            ["DSL006"] = DiagnosticSeverity.Warning,
            ["DSL007"] = DiagnosticSeverity.Info,
            ["DSL008"] = DiagnosticSeverity.Warning,
            ["DSL009"] = DiagnosticSeverity.Warning,
            ["DSL010"] = DiagnosticSeverity.Error,
            ["DSL011"] = DiagnosticSeverity.Error,
            ["DSL012"] = DiagnosticSeverity.Error,
            ["DSL013"] = DiagnosticSeverity.Error,
            ["DSL014"] = DiagnosticSeverity.Error,
            ["DSL015"] = DiagnosticSeverity.Error,
            ["DSL016"] = DiagnosticSeverity.Error,
            ["DSL017"] = DiagnosticSeverity.Error,
            ["DSL018"] = DiagnosticSeverity.Info,
            ["DSL019"] = DiagnosticSeverity.Error,
            ["DSL020"] = DiagnosticSeverity.Error,
            ["DSL021"] = DiagnosticSeverity.Error,
            ["DSL022"] = DiagnosticSeverity.Error,
            ["DSL023"] = DiagnosticSeverity.Error,
            ["DSL024"] = DiagnosticSeverity.Error,
        };
        Assert.Equal(expected, Descriptors.ToDictionary(d => d.Id, d => d.DefaultSeverity));
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DslNets.sln")))
                return directory.FullName;
        }

        throw new InvalidOperationException("DslNets.sln not found above " + AppContext.BaseDirectory);
    }
}
