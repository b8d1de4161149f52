using System.Reflection;
using System.Runtime.CompilerServices;

namespace DslNets.Runtime.Tests;

/// <summary>The namespace rule of docs/style.md: what a network's members name, and extensions on it, are in DslNets.</summary>
public class NamespaceRuleTests
{
    private static readonly Assembly Runtime = typeof(INetwork).Assembly;

    [Fact]
    public void TypesTheNetworkInterfacesName_AreInTheRootNamespace()
    {
        var named = new HashSet<Type>();
        foreach (Type contract in new[] { typeof(INetwork), typeof(INetwork<>), typeof(IOptimizer) })
        {
            foreach (MethodInfo method in contract.GetMethods())
            {
                Collect(method.ReturnType, named);
                foreach (ParameterInfo parameter in method.GetParameters())
                    Collect(parameter.ParameterType, named);
            }
        }

        Assert.Contains(typeof(TensorInfo), named);
        Assert.All(named.Where(t => t.Assembly == Runtime), t => Assert.Equal("DslNets", t.Namespace));
    }

    [Fact]
    public void OptimizersYouPassToTrainStep_AreInTheRootNamespace()
    {
        Type[] optimizers = Runtime.GetExportedTypes().Where(t => typeof(IOptimizer).IsAssignableFrom(t)).ToArray();
        Assert.Contains(typeof(AdamW), optimizers);
        Assert.All(optimizers, t => Assert.Equal("DslNets", t.Namespace));
    }

    [Fact]
    public void ExtensionMethodsOnNetworks_AreInTheRootNamespace()
    {
        Type[] extensions = Runtime.GetExportedTypes()
            .Where(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static).Any(m =>
                m.IsDefined(typeof(ExtensionAttribute)) && typeof(INetwork).IsAssignableFrom(m.GetParameters()[0].ParameterType)))
            .ToArray();
        Assert.NotEmpty(extensions);
        Assert.All(extensions, t => Assert.Equal("DslNets", t.Namespace));
    }

    private static void Collect(Type type, HashSet<Type> named)
    {
        if (type.IsByRef || type.IsArray || type.IsPointer)
        {
            Collect(type.GetElementType()!, named);
            return;
        }

        if (type.IsGenericParameter || !named.Add(type))
            return;
        foreach (Type argument in type.IsGenericType ? type.GetGenericArguments() : [])
            Collect(argument, named);
    }
}
